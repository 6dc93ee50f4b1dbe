package optunafile

import (
	"bytes"
	"testing"
)

// FuzzReadJournal: any bytes give studies or an error, never a panic; what
// is read writes back and reads again to the same study.
func FuzzReadJournal(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteJournal(&buf, sampleStudy()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"op_code": 0, "worker_id": "w", "study_name": "s", "directions": [1]}` + "\n" +
		`{"op_code": 4, "worker_id": "w", "study_id": 0, "datetime_start": "2024-01-02T03:04:05"}` + "\n" +
		`{"op_code": 5, "worker_id": "w", "trial_id": 0, "param_name": "x", "param_value_internal": NaN, "distribution": "{\"type\": \"float\", \"low\": 0, \"high\": 1}"}` + "\n" +
		`{"op_code": 6, "worker_id": "w", "trial_id": 0, "state": 1, "values": [Infinity], "datetime_complete": "2024-01-02T03:04:06"}` + "\n"))
	f.Add([]byte(`{"op_code": 1, "study_id": 0}` + "\n" + `{"op_code": 4`))
	f.Fuzz(func(t *testing.T, data []byte) {
		studies, err := ReadJournal(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, s := range studies {
			var b bytes.Buffer
			if WriteJournal(&b, s) != nil {
				continue // what Optuna itself would refuse to load, e.g. a complete trial without a value
			}
			again, err := ReadJournal(&b)
			if err != nil || len(again) != 1 {
				t.Fatalf("re-reading a written study: %v (%d studies)\n%s", err, len(again), b.Bytes())
			}
		}
	})
}

func TestReadJournalErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
	}{
		{"bad middle line", "{\"op_code\": 0, \"study_name\": \"s\", \"directions\": [1]}\nnot json\n{}\n"},
		{"unknown op", "{\"op_code\": 42}\n{}\n"},
		{"bad distribution", "{\"op_code\": 0, \"study_name\": \"s\", \"directions\": [1]}\n" +
			"{\"op_code\": 4, \"study_id\": 0, \"datetime_start\": null, \"distributions\": {\"x\": \"{\\\"name\\\": \\\"Nope\\\"}\"}}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ReadJournal(bytes.NewReader([]byte(tc.text))); err == nil {
				t.Errorf("no error for %q", tc.text)
			}
		})
	}
	// A torn last line is skipped as Optuna skips it.
	studies, err := ReadJournal(bytes.NewReader([]byte("{\"op_code\": 0, \"study_name\": \"s\", \"directions\": [1]}\n{\"op_code\": 4, \"stu")))
	if err != nil || len(studies) != 1 || len(studies[0].Trials) != 0 {
		t.Errorf("torn last line: %v, %+v", err, studies)
	}
}

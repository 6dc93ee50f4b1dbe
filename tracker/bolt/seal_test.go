package bolt

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// unseal turns a sealed record back into its format-2 form.
func unseal(v []byte, isJSON bool) []byte {
	if isJSON {
		return append([]byte(nil), v[1:len(v)-crcSize]...)
	}
	out := append([]byte(nil), v[:len(v)-crcSize]...)
	out[0] = 1 // binary: version 1, no checksum
	return out
}

// TestMigrateFormat2SealsRecords: a format-2 file (records without
// checksums) is refused by readers, upgraded by a writer, and then every
// record carries its checksum and the file checks clean.
func TestMigrateFormat2SealsRecords(t *testing.T) {
	s, path, sid := openStudy(t, NoSync())
	finishTrials(t, s, sid, 3)
	ctx := context.Background()
	id, _ := s.PutArtifact(ctx, []byte("x"), tracker.ArtifactMeta{Kind: "image"})
	rid, _ := s.CreateRun(ctx, tracker.Run{Name: "r", Artifacts: []tracker.ID{id}})
	s.PutStage(ctx, tracker.Stage{Key: "k", RunID: rid, Outputs: map[string]tracker.ID{"o": id}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		var all []*bbolt.Bucket
		for _, name := range [][]byte{bucketStudies, bucketRuns, bucketStages, bucketArtifacts} {
			all = append(all, tx.Bucket(name))
		}
		tx.Bucket(bucketTrials).ForEachBucket(func(k []byte) error {
			all = append(all, tx.Bucket(bucketTrials).Bucket(k))
			return nil
		})
		for i, b := range all {
			isJSON := i > 0 && i < 4
			type kv struct{ k, v []byte }
			var out []kv
			b.ForEach(func(k, v []byte) error {
				out = append(out, kv{append([]byte(nil), k...), unseal(v, isJSON)})
				return nil
			})
			for _, e := range out {
				if err := b.Put(e.k, e.v); err != nil {
					return err
				}
			}
		}
		return writeFormat(tx, 2)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(commitPath(path)) // raw bbolt commits: the record is behind anyway
	if _, err := Open(path, ReadOnly()); !errors.Is(err, tracker.ErrOldFormat) {
		t.Fatalf("reader on format 2: %v; want ErrOldFormat", err)
	}
	w, err := Open(path, NoSync())
	if err != nil {
		t.Fatalf("writer migrating format 2: %v", err)
	}
	if ts, err := w.GetAllTrials(sid); err != nil || len(ts) != 3 {
		t.Errorf("after migration: %d trials, %v", len(ts), err)
	}
	w.Close()
	rep, err := CheckFile(ctx, path)
	if err != nil || !rep.OK() || rep.FormatVersion != FormatVersion || rep.Trials != 3 || rep.Runs != 1 || rep.Stages != 1 || rep.Artifacts != 1 {
		t.Errorf("check after migration: %+v, %v", rep, err)
	}
	db, err = bbolt.Open(path, 0o644, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bbolt.Tx) error {
		tx.Bucket(bucketStudies).ForEach(func(k, v []byte) error {
			if v[0] != recordV2 {
				t.Errorf("study %x still unsealed", k)
			}
			return nil
		})
		tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
			if v[0] != jsonRecordV2 {
				t.Errorf("run %x still unsealed", k)
			}
			return nil
		})
		return nil
	})
}

// TestSealedRecordDetectsFlips: a changed byte anywhere in a sealed record
// is damage, even where the record would still decode.
func TestSealedRecordDetectsFlips(t *testing.T) {
	run, _ := encodeRun(tracker.Run{ID: 1, Name: "abc", Status: tracker.RunSucceeded})
	study := encodeStudy(&tracker.StudyInfo{ID: 1, Name: "s"})
	for name, rec := range map[string][]byte{"run": run, "study": study} {
		for i := range rec {
			b := append([]byte(nil), rec...)
			b[i] ^= 0x01
			var err error
			if name == "run" {
				_, err = decodeRun(b)
			} else {
				_, err = decodeStudy(b)
			}
			if !errors.Is(err, tracker.ErrCorruptDB) {
				t.Errorf("%s with byte %d flipped decodes (%v)", name, i, err)
			}
		}
	}
}

// TestDecodeTrialHead: the head decoder agrees with the full one on what it
// decodes, and refuses what the checksum refuses.
func TestDecodeTrialHead(t *testing.T) {
	in := sampleTrial()
	raw, err := encodeTrial(nil, &in)
	if err != nil {
		t.Fatal(err)
	}
	full, err := decodeTrial(raw, distCache{})
	if err != nil {
		t.Fatal(err)
	}
	head, err := decodeTrialHead(raw, distCache{})
	if err != nil {
		t.Fatal(err)
	}
	if head.ID != full.ID || head.StudyID != full.StudyID || head.Number != full.Number || head.State != full.State ||
		head.Value != full.Value || !head.DatetimeStart.Equal(full.DatetimeStart) || !head.DatetimeComplete.Equal(full.DatetimeComplete) {
		t.Errorf("head %+v differs from the full decode %+v", head, full)
	}
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x04
		if _, err := decodeTrialHead(b, distCache{}); !errors.Is(err, tracker.ErrCorruptDB) {
			t.Errorf("byte %d flipped: %v; want ErrCorruptDB", i, err)
		}
	}
}

package experiments

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// Difference is one way a recomputed run differs from the stored one, said
// in a line a person reads (Summary) with a few lines of particulars (Details:
// per output, metric or trial; stored value first, then the recomputed one).
type Difference struct {
	Stage   string   `json:"stage"`
	What    string   `json:"what"` // "outputs", "metrics", "epochs", "studies", "study <label>", "missing stage", "extra stage"
	Summary string   `json:"summary"`
	Details []string `json:"details,omitempty"`
}

// String is the summary and its details on one line each.
func (d Difference) String() string {
	s := d.Stage + ": " + d.Summary
	for _, l := range d.Details {
		s += "\n  " + l
	}
	return s
}

// Origin says where differences start: the first stage, in execution order,
// whose outputs, metrics or trials differ, with the digests of its inputs.
type Origin struct {
	Stage  string       `json:"stage"`
	Inputs []InputValue `json:"inputs,omitempty"`
	// InputsSame is true when every recorded input is identical, so the
	// difference arises inside this stage's own computation.
	InputsSame bool   `json:"inputs_same"`
	Note       string `json:"note"`
}

// InputValue is one input of a stage key: digests and seeds as recorded,
// settings (objects and lists) as the SHA-256 of their JSON.
type InputValue struct {
	Name       string `json:"name"`
	Stored     string `json:"stored"`
	Recomputed string `json:"recomputed"`
	Same       bool   `json:"same"`
}

// compareRecords compares two run records stage by stage (matched by name,
// in the stored run's order) and fills rep's counts, differences and origin.
func compareRecords(stored, again RunRecord, rep *VerifyReport) {
	if rep.Differences == nil {
		rep.Differences = []Difference{} // [] in JSON, not null
	}
	byName := map[string]StageRecord{}
	for _, s := range again.Stages {
		byName[s.Name] = s
	}
	for _, a := range stored.Stages {
		b, ok := byName[a.Name]
		before := len(rep.Differences)
		if !ok {
			rep.Differences = append(rep.Differences, Difference{Stage: a.Name, What: "missing stage",
				Summary: "the recomputed run has no stage of this name"})
		} else {
			delete(byName, a.Name)
			rep.Stages++
			rep.Artifacts += len(a.Outputs)
			rep.Differences = append(rep.Differences, compareStage(a, b, &rep.Trials)...)
		}
		if len(rep.Differences) > before && rep.FirstDifference == nil {
			rep.FirstDifference = origin(a, b, ok)
		}
	}
	extra := make([]string, 0, len(byName))
	for n := range byName {
		extra = append(extra, n)
	}
	sort.Strings(extra)
	for _, n := range extra {
		rep.Differences = append(rep.Differences, Difference{Stage: n, What: "extra stage",
			Summary: "the recomputed run has a stage the stored run lacks"})
	}
}

// detailLimit bounds the particulars listed per difference; the summary
// still counts all of them.
const detailLimit = 5

func compareStage(a, b StageRecord, trials *int) []Difference {
	var out []Difference
	var lines []string
	for _, role := range unionKeys2(a.Outputs, b.Outputs) {
		x, okx := a.Outputs[role]
		y, oky := b.Outputs[role]
		if okx && oky && x == y {
			continue
		}
		lines = append(lines, fmt.Sprintf("output %s: %s -> %s", role, idOrNone(x, okx), idOrNone(y, oky)))
	}
	if len(lines) > 0 {
		out = append(out, Difference{Stage: a.Name, What: "outputs",
			Summary: fmt.Sprintf("%d of %d outputs differ", len(lines), len(unionKeys2(a.Outputs, b.Outputs))),
			Details: limit(lines)})
	}
	lines = nil
	keys := unionKeys2(a.Metrics, b.Metrics)
	for _, k := range keys {
		x, okx := a.Metrics[k]
		y, oky := b.Metrics[k]
		if okx && oky && sameFloat(x, y) {
			continue
		}
		lines = append(lines, fmt.Sprintf("metric %s: %s -> %s", k, floatOrNone(x, okx), floatOrNone(y, oky)))
	}
	if len(lines) > 0 {
		out = append(out, Difference{Stage: a.Name, What: "metrics",
			Summary: fmt.Sprintf("%d of %d metrics differ", len(lines), len(keys)), Details: limit(lines)})
	}
	if d, ok := compareEpochs(a, b); ok {
		out = append(out, d)
	}
	if len(a.Studies) != len(b.Studies) {
		return append(out, Difference{Stage: a.Name, What: "studies",
			Summary: fmt.Sprintf("stored %d studies, recomputed %d", len(a.Studies), len(b.Studies))})
	}
	for i := range a.Studies {
		*trials += len(a.Studies[i].Trials)
		if d, ok := compareStudy(a.Studies[i], b.Studies[i]); ok {
			d.Stage = a.Name
			out = append(out, d)
		}
	}
	return out
}

// compareStudy summarises how two studies' trials differ; ok is false when
// they are identical.
func compareStudy(a, b StudyRecord) (Difference, bool) {
	d := Difference{What: "study " + a.Name}
	var lines []string
	if a.Seed != b.Seed {
		lines = append(lines, fmt.Sprintf("seed: %s -> %s", a.Seed, b.Seed))
	}
	byNum := make(map[int]TrialRecord, len(b.Trials))
	for _, t := range b.Trials {
		byNum[t.Number] = t
	}
	differ, missing := 0, 0
	for _, x := range a.Trials {
		y, ok := byNum[x.Number]
		if !ok {
			missing++
			lines = append(lines, fmt.Sprintf("trial %d: not recomputed", x.Number))
			continue
		}
		delete(byNum, x.Number)
		if x.Digest == y.Digest && x.Digest != "" {
			continue
		}
		if parts := trialDiff(x, y); len(parts) > 0 {
			differ++
			if len(parts) > 4 {
				parts = append(parts[:4:4], fmt.Sprintf("%d more", len(parts)-4))
			}
			lines = append(lines, fmt.Sprintf("trial %d: %s", x.Number, strings.Join(parts, "; ")))
		}
	}
	extra := len(byNum)
	if len(lines) == 0 && extra == 0 {
		return d, false
	}
	var sum []string
	if differ > 0 {
		sum = append(sum, fmt.Sprintf("%d of %d trials differ", differ, len(a.Trials)))
	}
	if missing > 0 {
		sum = append(sum, fmt.Sprintf("%d stored trials not recomputed", missing))
	}
	if extra > 0 {
		sum = append(sum, fmt.Sprintf("%d recomputed trials not stored", extra))
	}
	if a.Seed != b.Seed {
		sum = append(sum, "the study seed differs")
	}
	d.Summary = strings.Join(sum, ", ")
	d.Details = limit(lines)
	return d, true
}

// trialDiff names what differs between two trials of the same slot.
func trialDiff(a, b TrialRecord) []string {
	var parts []string
	if !sameFloat(a.Value, b.Value) {
		parts = append(parts, fmt.Sprintf("value %s -> %s", fmtFloat(a.Value), fmtFloat(b.Value)))
	}
	for _, k := range unionKeys2(a.Params, b.Params) {
		x, okx := a.Params[k]
		y, oky := b.Params[k]
		if !okx || !oky || !sameFloat(x, y) {
			parts = append(parts, fmt.Sprintf("%s %s -> %s", k, floatOrNone(x, okx), floatOrNone(y, oky)))
		}
	}
	if s := intermediateDiff(a.Intermediate, b.Intermediate); s != "" {
		parts = append(parts, s)
	}
	for _, k := range unionKeys2(a.Attrs, b.Attrs) {
		x, okx := a.Attrs[k]
		y, oky := b.Attrs[k]
		if okx != oky || x != y {
			parts = append(parts, fmt.Sprintf("%s %s -> %s", k, strOrNone(shortID(x), okx), strOrNone(shortID(y), oky)))
		}
	}
	return parts
}

// intermediateDiff says from which step two loss curves differ.
func intermediateDiff(a, b map[int]tracker.JSONFloat) string {
	steps := map[int]bool{}
	for k := range a {
		steps[k] = true
	}
	for k := range b {
		steps[k] = true
	}
	order := make([]int, 0, len(steps))
	for k := range steps {
		order = append(order, k)
	}
	sort.Ints(order)
	for _, k := range order {
		x, okx := a[k]
		y, oky := b[k]
		if okx != oky || !sameFloat(x, y) {
			return fmt.Sprintf("intermediate values differ from step %d (%s -> %s; %d and %d steps)", k,
				floatOrNone(x, okx), floatOrNone(y, oky), len(a), len(b))
		}
	}
	return ""
}

// origin explains the first differing stage a (b is its recomputation when
// found is true) from the inputs its key recorded.
func origin(a, b StageRecord, found bool) *Origin {
	o := &Origin{Stage: a.Name}
	if a.Inputs == "" {
		o.Note = "the stored run did not record this stage's inputs (it predates input recording)"
		return o
	}
	ia, errA := inputValues(a.Inputs)
	var ib map[string]string
	errB := errors.New("the recomputed run lacks this stage")
	if found {
		errB = errors.New("the recomputed run recorded no inputs for this stage")
	}
	if found && b.Inputs != "" {
		ib, errB = inputValues(b.Inputs)
	}
	if errA != nil {
		o.Note = "the stored inputs of this stage cannot be read: " + errA.Error()
		return o
	}
	o.InputsSame = errB == nil
	var changed []string
	for _, k := range unionKeys2(ia, nil) {
		v := InputValue{Name: k, Stored: ia[k], Recomputed: ib[k]}
		v.Same = errB == nil && ia[k] == ib[k]
		if errB == nil && !v.Same {
			o.InputsSame = false
			changed = append(changed, k)
		}
		o.Inputs = append(o.Inputs, v)
	}
	for _, k := range unionKeys2(ib, nil) {
		if _, ok := ia[k]; !ok {
			o.Inputs = append(o.Inputs, InputValue{Name: k, Recomputed: ib[k]})
			o.InputsSame = false
			changed = append(changed, k)
		}
	}
	switch {
	case errB != nil:
		o.Note = errB.Error()
	case o.InputsSame:
		o.Note = "its inputs are identical, so the difference arises in this stage's own computation"
	default:
		o.Note = "its inputs differ (" + strings.Join(changed, ", ") + "), so the difference comes from them"
	}
	return o
}

// refineOrigin sharpens the origin's note with the environments: another
// code version explains any difference; when only
// the backend's name differs and neither backend is machine-bound, the
// backends promise the same bits, so the difference is a cgx bug, not the
// expected cost of a machine-bound run.
func refineOrigin(o *Origin, stored, again Environment) {
	if o == nil {
		return
	}
	if stored.CodeVersion != "" && stored.CodeVersion != again.CodeVersion {
		o.Note += fmt.Sprintf("; the code version differs (%s -> %s), which changes results by design: verify with a cgx of code version %s",
			stored.CodeVersion, again.CodeVersion, stored.CodeVersion)
		return
	}
	if o.InputsSame || len(o.Inputs) == 0 {
		return
	}
	for _, in := range o.Inputs {
		if !in.Same && in.Name != "Backend" {
			return
		}
	}
	if stored.MachineBound || again.MachineBound || stored.CodeVersion == "" {
		o.Note = "its inputs differ only in the backend (Backend), and a machine-bound backend gives other bits on other kernels: rerun with the same backend (CGX_BLAS), or make the run with the portable default"
		return
	}
	o.Note = "its inputs differ only in the name of the backend (Backend), and both backends are portable and promise the same bits: this is a cgx bug, please report it with this output"
}

// inputValues flattens a stage's recorded inputs one level: strings and
// numbers as written, anything else as "sha256:" and the first 16 hex digits
// of the SHA-256 of its JSON.
func inputValues(text string) (map[string]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, fmt.Errorf("decode stage inputs: %w", err)
	}
	out := make(map[string]string, len(m))
	for k, raw := range m {
		var s string
		switch {
		case json.Unmarshal(raw, &s) == nil:
			out[k] = s
		case len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')):
			out[k] = string(raw)
		default:
			sum := sha256.Sum256(raw)
			out[k] = "sha256:" + hex.EncodeToString(sum[:8])
		}
	}
	return out, nil
}

func sameFloat(a, b tracker.JSONFloat) bool {
	return math.Float64bits(float64(a)) == math.Float64bits(float64(b))
}

// fmtFloat prints the shortest decimal that reads back as the same float64,
// so two different bit patterns never print alike.
func fmtFloat(f tracker.JSONFloat) string { return strconv.FormatFloat(float64(f), 'g', -1, 64) }

func floatOrNone(f tracker.JSONFloat, ok bool) string {
	if !ok {
		return "(none)"
	}
	return fmtFloat(f)
}

func strOrNone(s string, ok bool) string {
	if !ok {
		return "(none)"
	}
	return s
}

func idOrNone(id tracker.ID, ok bool) string {
	if !ok {
		return "(none)"
	}
	return id.String()[:12]
}

// shortID shortens an artifact id (64 hex digits) to 12 for reading.
func shortID(s string) string {
	if _, err := tracker.ParseID(s); err == nil {
		return s[:12]
	}
	return s
}

func limit(lines []string) []string {
	if len(lines) <= detailLimit {
		return lines
	}
	return append(lines[:detailLimit:detailLimit], fmt.Sprintf("... and %d more", len(lines)-detailLimit))
}

func unionKeys2[V any](a, b map[string]V) []string {
	seen := make(map[string]bool, len(a)+len(b))
	keys := make([]string, 0, len(a)+len(b))
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// compareEpochs compares two stages' per-epoch curves. Curves count only
// when both sides hold them: a stage stored before cgx recorded curves
// verifies on its outputs and metrics alone.
func compareEpochs(a, b StageRecord) (Difference, bool) {
	if a.Epochs == "" || b.Epochs == "" || a.Epochs == b.Epochs {
		return Difference{}, false
	}
	d := Difference{Stage: a.Name, What: "epochs", Summary: "the per-epoch curves differ"}
	x, errx := keys.ParseEpochCurves(a.Epochs)
	y, erry := keys.ParseEpochCurves(b.Epochs)
	if errx != nil || erry != nil {
		d.Details = []string{fmt.Sprintf("stored %q -> recomputed %q", shortText(a.Epochs), shortText(b.Epochs))}
		return d, true
	}
	curves := []struct {
		name string
		a, b []float64
	}{
		{"train_loss", x.TrainLoss, y.TrainLoss}, {"test_loss", x.TestLoss, y.TestLoss},
		{"train_accuracy", x.TrainAccuracy, y.TrainAccuracy}, {"test_accuracy", x.TestAccuracy, y.TestAccuracy},
	}
	for _, c := range curves {
		for i := 0; i < max(len(c.a), len(c.b)); i++ {
			okx, oky := i < len(c.a), i < len(c.b)
			var vx, vy tracker.JSONFloat
			if okx {
				vx = tracker.JSONFloat(c.a[i])
			}
			if oky {
				vy = tracker.JSONFloat(c.b[i])
			}
			if okx && oky && sameFloat(vx, vy) {
				continue
			}
			d.Details = append(d.Details, fmt.Sprintf("%s differs from epoch %d: %s -> %s (%d and %d epochs)",
				c.name, i+1, floatOrNone(vx, okx), floatOrNone(vy, oky), len(c.a), len(c.b)))
			break
		}
	}
	return d, true
}

// shortText is s cut to 80 bytes for a detail line.
func shortText(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

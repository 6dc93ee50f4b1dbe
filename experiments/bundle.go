package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/tracker"
)

// Bundle is everything needed to re-execute a stored run elsewhere and check
// the result bit for bit (docs/BUNDLE.md): the spec text as run, its resolved
// settings, the seed and profile, the environment that computed it, and the
// record of every stage (inputs, output digests, metrics, every trial with
// its digest) and artifact. WriteBundle and ReadBundle store it in one file.
type Bundle struct {
	Format      int         `json:"format"` // BundleFormat of the writer
	Run         BundleRun   `json:"run"`
	Environment Environment `json:"environment"`
	// Settings is the resolved spec (profile applied, seed set) flattened to
	// dotted TOML keys; VerifyBundle refuses a cgx that resolves the same spec
	// text differently (its defaults changed).
	Settings  map[string]string `json:"settings"`
	Record    RunRecord         `json:"record"`
	Artifacts []BundleArtifact  `json:"artifacts"`
}

// BundleRun is the run a bundle was made from.
type BundleRun struct {
	ID         int                          `json:"id"`
	Name       string                       `json:"name"`
	Kind       Kind                         `json:"kind"`
	Profile    string                       `json:"profile"`
	Seed       int64                        `json:"seed"`
	Spec       string                       `json:"spec"` // the spec text as run
	SpecSHA256 string                       `json:"spec_sha256"`
	Source     string                       `json:"source,omitempty"` // spec file or builtin:NAME as run
	Metrics    map[string]tracker.JSONFloat `json:"metrics,omitempty"`
}

// BundleArtifact is one artifact of the run: its digest (the artifact id,
// the SHA-256 of its bytes), what it is, and whether its bytes follow in the
// bundle file.
type BundleArtifact struct {
	ID        tracker.ID `json:"id"`
	Kind      string     `json:"kind,omitempty"`
	MediaType string     `json:"media_type,omitempty"`
	Name      string     `json:"name,omitempty"`
	Size      int64      `json:"size"`
	Included  bool       `json:"included,omitempty"`
}

// MakeBundle builds the bundle of succeeded run runID of st. The artifacts
// are every stage output, every artifact a trial or stage attribute names,
// and every artifact a JSON artifact (a dataset manifest, COCO files) names,
// recursively; withArtifacts marks them all Included.
func MakeBundle(ctx context.Context, st Store, runID int, withArtifacts bool) (*Bundle, error) {
	rec, run, err := RecordRun(ctx, st, runID)
	if err != nil {
		return nil, err
	}
	if run.Status != tracker.RunSucceeded {
		return nil, fmt.Errorf("bundle run %d: it is %s; only succeeded runs can be bundled (finish it with 'cgx run --resume %d')",
			runID, run.Status, runID)
	}
	f, err := Parse(fmt.Sprintf("run %d spec", runID), []byte(run.Spec))
	if err != nil {
		return nil, fmt.Errorf("bundle run %d: parse stored spec: %w", runID, err)
	}
	spec, err := resolveAsRun(f, run.Profile, run.Seed)
	if err != nil {
		return nil, fmt.Errorf("bundle run %d: %w", runID, err)
	}
	b := &Bundle{Format: BundleFormat, Environment: RunEnvironment(run), Settings: flattenSettings(spec), Record: rec,
		Run: BundleRun{ID: run.ID, Name: run.Name, Kind: spec.Kind, Profile: run.Profile, Seed: run.Seed, Spec: run.Spec,
			SpecSHA256: run.SpecSHA256, Source: run.Attrs["source"], Metrics: jsonFloats(run.Metrics)}}
	if b.Environment.CodeVersion == "" {
		return nil, fmt.Errorf("bundle run %d: it does not record the code version that computed it (made before cgx recorded it); run it again with this cgx and bundle the new run", runID)
	}
	if b.Artifacts, err = runArtifacts(ctx, st, rec, withArtifacts); err != nil {
		return nil, fmt.Errorf("bundle run %d: %w", runID, err)
	}
	return b, nil
}

// resolveAsRun resolves f the way Run did for a run with this profile and seed.
func resolveAsRun(f *File, profile string, seed int64) (Spec, error) {
	spec, err := f.Resolve(profile)
	if err != nil {
		return Spec{}, err
	}
	spec.Seed = seed
	return spec, nil
}

// runArtifacts lists the artifacts rec reaches, sorted by id.
func runArtifacts(ctx context.Context, st Store, rec RunRecord, include bool) ([]BundleArtifact, error) {
	seen := map[tracker.ID]bool{}
	maybe := map[tracker.ID]bool{} // found in text: a digest, perhaps not of an artifact
	var queue []tracker.ID
	add := func(id tracker.ID) {
		if !seen[id] {
			seen[id] = true
			queue = append(queue, id)
		}
	}
	addString := func(s string) {
		if len(s) == 64 {
			if id, err := tracker.ParseID(s); err == nil && !seen[id] {
				maybe[id] = true
				add(id)
			}
		}
	}
	for _, s := range rec.Stages {
		for _, role := range unionKeys2(s.Outputs, nil) {
			add(s.Outputs[role])
		}
		for _, sd := range s.Studies {
			for _, t := range sd.Trials {
				for _, k := range unionKeys2(t.Attrs, nil) {
					addString(t.Attrs[k])
				}
			}
		}
	}
	all, err := st.ListArtifacts(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("list artifacts: %w", err)
	}
	known := make(map[tracker.ID]bool, len(all))
	for _, m := range all {
		known[m.ID] = true
	}
	var out []BundleArtifact
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if maybe[id] && !known[id] {
			continue // a scene or spec digest, not an artifact
		}
		data, meta, err := st.GetArtifact(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("read artifact %s: %w", id, err)
		}
		out = append(out, BundleArtifact{ID: id, Kind: meta.Kind, MediaType: meta.MediaType, Name: meta.Name,
			Size: int64(len(data)), Included: include})
		if strings.HasSuffix(meta.MediaType, "json") {
			var v any
			if json.Unmarshal(data, &v) == nil {
				walkStrings(v, addString)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID.String() < out[j].ID.String() })
	return out, nil
}

// walkStrings calls fn on every string value in a decoded JSON value.
func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case map[string]any:
		for _, k := range unionKeys2(x, nil) {
			walkStrings(x[k], fn)
		}
	}
}

// flattenSettings writes a resolved spec as dotted TOML keys and values; the
// sections of other kinds are left out (they do not enter the run).
func flattenSettings(s Spec) map[string]string {
	out := map[string]string{}
	skip := map[string]bool{"profiles": true}
	switch s.Kind {
	case KindStyle:
		skip["content"], skip["segmentation"] = true, true
	case KindContent:
		skip["style"], skip["segmentation"] = true, true
	case KindSegmentation:
		skip["content"] = true
	}
	if s.Kind != KindSegmentation {
		skip["datasets.eval"] = true
	}
	flattenValue(reflect.ValueOf(s), "", skip, out)
	out["profile"] = s.Profile
	return out
}

func flattenValue(v reflect.Value, prefix string, skip map[string]bool, out map[string]string) {
	if skip[prefix] {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			tag := tagName(t.Field(i))
			if tag == "" || tag == "-" || !t.Field(i).IsExported() {
				continue
			}
			key := tag
			if prefix != "" {
				key = prefix + "." + tag
			}
			flattenValue(v.Field(i), key, skip, out)
		}
	case reflect.Float32, reflect.Float64:
		out[prefix] = strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Interface, reflect.Pointer:
		b, err := json.Marshal(v.Interface())
		if err != nil {
			b = []byte(fmt.Sprint(v.Interface()))
		}
		out[prefix] = string(b)
	default:
		out[prefix] = fmt.Sprint(v.Interface())
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/experiments"
)

// verifyReports are hand-made comparisons covering every part of the human
// output: a match, differences with environment changes and an origin whose
// inputs differ, and an origin from a run that predates input recording.
var verifyReports = map[string]experiments.VerifyReport{
	"identical": {RunID: 3, Name: "style/blur", Profile: "smoke", Seed: 20210601, ScratchRunID: 1,
		Stages: 4, Artifacts: 3, Trials: 8},
	"differences": {RunID: 3, Name: "style/blur", Profile: "smoke", Seed: 20210601, ScratchRunID: 1,
		Stages: 4, Artifacts: 3, Trials: 8,
		Environment: []experiments.EnvDifference{
			{Key: "blas", Stored: "openblas 0.3.21, core SkylakeX", Recomputed: "portable (pure Go + AVX2)",
				Note: "an OpenBLAS backend is machine-bound: its last bits differ from other backends and CPUs"},
			{Key: "machine_bound", Stored: "true", Recomputed: "false",
				Note: "a machine-bound run (CGX_BLAS=openblas) reproduces only on the same CPU kernels and library"},
			{Key: "goarch", Stored: "amd64", Recomputed: "arm64"},
		},
		FirstDifference: &experiments.Origin{Stage: "discriminator/main",
			Note: "its inputs differ (Backend), so the difference comes from them",
			Inputs: []experiments.InputValue{
				{Name: "Backend", Stored: "openblas 0.3.21, core SkylakeX", Recomputed: "portable (pure Go + AVX2)"},
				{Name: "CG", Stored: "ec274a7d75b0c5b0f9e0d7f4b0a5a1e2c3d4e5f60718293a4b5c6d7e8f901234",
					Recomputed: "ec274a7d75b0c5b0f9e0d7f4b0a5a1e2c3d4e5f60718293a4b5c6d7e8f901234", Same: true},
				{Name: "Seed", Stored: "2786580976977578665", Recomputed: "2786580976977578665", Same: true},
			}},
		Differences: []experiments.Difference{
			{Stage: "discriminator/main", What: "outputs", Summary: "1 of 1 outputs differ",
				Details: []string{"output weights: e3af0e85f15c -> aeaf56dfee3f"}},
			{Stage: "fit/blur/cg-to-real", What: "study fit/blur/cg-to-real", Summary: "2 of 8 trials differ",
				Details: []string{"trial 0: value 0.6924722964389919 -> 0.693029743954484; sigma 0.6062350869178772 -> 0.6062251329421997",
					"trial 5: intermediate values differ from step 3 (0.5 -> 0.25; 32 and 32 steps)"}},
		}},
	"no-inputs": {RunID: 1, Name: "content/exp1", Profile: "smoke", Seed: 7, Stages: 5, Artifacts: 9, Trials: 24,
		FirstDifference: &experiments.Origin{Stage: "search/exp1/round-1/tpe/seed-1",
			Note: "the stored run did not record this stage's inputs (it predates input recording)"},
		Differences: []experiments.Difference{{Stage: "search/exp1/round-1/tpe/seed-1", What: "metrics",
			Summary: "1 of 3 metrics differ", Details: []string{"metric search/exp1/round-1/tpe/seed-1/best_loss: 0.25 -> 0.5"}}}},
}

// TestVerifyHumanOutputGolden pins what a person reads from 'cgx verify'.
func TestVerifyHumanOutputGolden(t *testing.T) {
	for name, rep := range verifyReports {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			writeVerifyReport(&buf, rep, "run 3")
			golden := filepath.Join("testdata", "verify", name+".golden")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (go test -run %s -update writes it): %v", t.Name(), err)
			}
			if got := buf.String(); got != string(want) {
				t.Errorf("output changed (go test -update rewrites it)\n got:\n%s\nwant:\n%s", got, want)
			}
			if strings.Contains(buf.String(), "experiments.") || strings.Contains(buf.String(), "{") {
				t.Errorf("human output shows Go types or structs:\n%s", buf.String())
			}
		})
	}
}

// TestVerifyHelp: both verbs document themselves with examples.
func TestVerifyHelp(t *testing.T) {
	for _, verb := range []string{"verify", "bundle"} {
		code, out, errs := cgxCLI(t, filepath.Join(t.TempDir(), "x.db"), verb, "--help")
		text := out + errs
		if code != 0 || !strings.Contains(text, "Examples:") || !strings.Contains(text, "--bundle") {
			t.Errorf("cgx %s --help: exit %d\n%s", verb, code, text)
		}
	}
}

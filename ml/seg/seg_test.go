package seg

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/ml/coco"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// testConfig is the network the tests train: 64x64 input, 8/16/32 channels.
func testConfig() Config {
	c := DefaultConfig()
	c.Channels = []int{8, 16, 32}
	return c
}

func imageIDs(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}

// oneInstance returns, per image, the single instance made of the pixels
// where fg is true, scored 1: the trivial predictor that finds the
// foreground but never separates objects.
func oneInstance(h, w int, fg func(i, p int) bool, n int) [][]Instance {
	out := make([][]Instance, n)
	for i := range out {
		m := coco.NewMask(h, w)
		for p := range m.Pix {
			m.Pix[p] = fg(i, p)
		}
		if m.Area() > 0 {
			out[i] = []Instance{{Mask: m, Score: 1}}
		}
	}
	return out
}

func evalAP(t *testing.T, gt *coco.Dataset, inst [][]Instance) coco.Stats {
	t.Helper()
	res, err := Results(imageIDs(len(inst)), inst)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := coco.Evaluate(gt, res)
	if err != nil {
		t.Fatal(err)
	}
	return ev.Stats
}

// TestTrainBeatsTrivialPredictor trains the test network on 48 synthetic
// images (2 to 4 coloured rectangles and ellipses on noisy shaded
// backgrounds, instance masks known) and evaluates mask AP on 40 unseen
// ones. It must beat, by a clear margin, two predictors that see the
// foreground but call it one instance: the ground-truth foreground itself
// and the model's own foreground map.
func TestTrainBeatsTrivialPredictor(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a network (about 15 s)")
	}
	cfg := testConfig()
	m, err := New(cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	train, trainMaps := synthSet(11, 48, cfg.Size)
	test, testMaps := synthSet(12, 40, cfg.Size)
	rep, err := m.Train(context.Background(), TrainConfig{Epochs: 24, BatchSize: 4, LR: 3e-3, Seed: 3}, train, trainMaps)
	if err != nil {
		t.Fatal(err)
	}
	if first, last := rep.EpochLoss[0], rep.EpochLoss[len(rep.EpochLoss)-1]; !(last < first/2) {
		t.Errorf("training loss went from %.3f to %.3f, want at least halved", first, last)
	}
	gt, err := GroundTruth(testMaps, imageIDs(test.Len()))
	if err != nil {
		t.Fatal(err)
	}
	pred, err := m.Predict(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	model := evalAP(t, gt, pred)
	fgGT := evalAP(t, gt, oneInstance(cfg.Size, cfg.Size, func(i, p int) bool { return testMaps.Maps[i][p] > 0 }, test.Len()))
	fgMaps, _, err := m.ProbabilityMaps(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	fgModel := evalAP(t, gt, oneInstance(cfg.Size, cfg.Size, func(i, p int) bool { return fgMaps[i][p] > 0.5 }, test.Len()))
	t.Logf("AP model %.3f, ground-truth foreground as one instance %.3f, model foreground as one instance %.3f", model[0], fgGT[0], fgModel[0])
	if !(model[0] > 0.25 && model[0] > 2*fgGT[0] && model[0] > 2*fgModel[0]) {
		t.Errorf("AP %.3f does not clearly beat the one-instance predictors (%.3f, %.3f)", model[0], fgGT[0], fgModel[0])
	}
}

// TestDeterministicAcrossGOMAXPROCS trains and predicts with GOMAXPROCS 1
// and 4: the weights' bytes and every predicted mask and score must agree.
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	cfg := Config{Size: 32, Channels: []int{4, 8}, Border: 1, ForegroundThreshold: 0.5, InteriorThreshold: 0.5, MinArea: 2}
	train, maps := synthSet(21, 12, cfg.Size)
	test, _ := synthSet(22, 5, cfg.Size)
	run := func(procs int) ([]byte, [][]Instance, []float32) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		m, err := New(cfg, 5)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := m.Train(context.Background(), TrainConfig{Epochs: 2, BatchSize: 5, Seed: 9}, train, maps)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		pred, err := m.Predict(context.Background(), test)
		if err != nil {
			t.Fatal(err)
		}
		return b, pred, rep.Losses
	}
	b1, p1, l1 := run(1)
	b4, p4, l4 := run(4)
	if !bytes.Equal(b1, b4) {
		t.Errorf("weights differ between GOMAXPROCS 1 and 4")
	}
	if diff := cmp.Diff(l1, l4); diff != "" {
		t.Errorf("losses differ (-1 +4):\n%s", diff)
	}
	if diff := cmp.Diff(p1, p4); diff != "" {
		t.Errorf("predictions differ (-1 +4):\n%s", diff)
	}
}

// TestPredictBatchIndependent: an image's instances do not depend on which
// batch it runs in.
func TestPredictBatchIndependent(t *testing.T) {
	cfg := Config{Size: 32, Channels: []int{4, 8}, Border: 1, ForegroundThreshold: 0.5, InteriorThreshold: 0.5, MinArea: 2}
	m, err := New(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	imgs, _ := synthSet(5, 11, cfg.Size)
	all, _, err := m.ProbabilityMaps(context.Background(), imgs)
	if err != nil {
		t.Fatal(err)
	}
	one := &Pixels{H: imgs.H, W: imgs.W, Images: imgs.Images[9:10]}
	alone, _, err := m.ProbabilityMaps(context.Background(), one)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all[9], alone[0]); diff != "" {
		t.Errorf("image 9 alone differs from image 9 in a batch:\n%s", diff)
	}
}

func TestMarshalRoundTripAndGolden(t *testing.T) {
	cfg := Config{Size: 16, Channels: []int{2, 4}, Border: 1, ForegroundThreshold: 0.5, InteriorThreshold: 0.6, MinArea: 3}
	m, err := New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Load(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cfg, back.Config()); diff != "" {
		t.Errorf("config (-saved +loaded):\n%s", diff)
	}
	b2, err := back.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Errorf("Marshal(Load(b)) differs from b")
	}
	// The digest of a fresh model pins both the byte format and the seeded
	// initialisation.
	sum := sha256.Sum256(b)
	got := hex.EncodeToString(sum[:]) + "\n"
	path := filepath.Join("testdata", "model-seed1.sha256")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("model bytes digest %s, golden %s (format or initialisation changed; -update if intended)", strings.TrimSpace(got), strings.TrimSpace(string(want)))
	}
}

func TestLoadRejects(t *testing.T) {
	m, err := New(Config{Size: 8, Channels: []int{2}, Border: 1, ForegroundThreshold: 0.5, InteriorThreshold: 0.5, MinArea: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	good, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	flip := append([]byte(nil), good...)
	flip[len(flip)/2] ^= 1
	tests := map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XXXXXX"), good[6:]...),
		"truncated": good[:len(good)-5],
		"flipped":   flip,
	}
	for name, b := range tests {
		if _, err := Load(b); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
	}
}

func FuzzLoad(f *testing.F) {
	m, err := New(Config{Size: 8, Channels: []int{2}, Border: 1, ForegroundThreshold: 0.5, InteriorThreshold: 0.5, MinArea: 1}, 1)
	if err != nil {
		f.Fatal(err)
	}
	good, err := m.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("CGXSEG"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Load(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v is neither ErrFormat nor ErrConfig", err)
			}
			return
		}
		again, err := m.Marshal()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("loaded model re-marshals differently: %v", err)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	base := DefaultConfig()
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no levels", func(c *Config) { c.Channels = nil }},
		{"size not divisible", func(c *Config) { c.Size = 66 }},
		{"zero channels", func(c *Config) { c.Channels = []int{8, 0} }},
		{"threshold 1", func(c *Config) { c.InteriorThreshold = 1 }},
		{"negative border", func(c *Config) { c.Border = -1 }},
		{"min area 0", func(c *Config) { c.MinArea = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base.clone()
			tc.edit(&c)
			if _, err := New(c, 1); !errors.Is(err, ErrConfig) {
				t.Errorf("New: %v, want ErrConfig", err)
			}
		})
	}
	if err := base.Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
}

func TestTrainRejectsMismatchedData(t *testing.T) {
	m, err := New(Config{Size: 16, Channels: []int{2}, Border: 1, ForegroundThreshold: 0.5, InteriorThreshold: 0.5, MinArea: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	imgs, maps := synthSet(1, 3, 32)
	if _, err := m.Train(context.Background(), TrainConfig{Epochs: 1}, imgs, maps); !errors.Is(err, ErrInput) {
		t.Errorf("32x32 data for a 16x16 model: %v, want ErrInput", err)
	}
	imgs16, maps16 := synthSet(1, 3, 16)
	maps16.Maps = maps16.Maps[:2]
	if _, err := m.Train(context.Background(), TrainConfig{Epochs: 1}, imgs16, maps16); !errors.Is(err, ErrInput) {
		t.Errorf("3 images, 2 maps: %v, want ErrInput", err)
	}
	if _, err := m.Train(context.Background(), TrainConfig{Epochs: 0}, imgs16, maps16); !errors.Is(err, ErrConfig) {
		t.Errorf("0 epochs: %v, want ErrConfig", err)
	}
}

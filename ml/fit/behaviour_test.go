package fit

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/cgx-dev/cgx/ml/manip"
)

// cgLinear calls the smooth test images CG with a clear margin.
var cgLinear = &linearMeans{w: [3]float64{-8, 6, -3}, b: 0.5}

func smoothBatch(t *testing.T, n, h, w int) Images {
	return batch(smoothImages(testRand(t, 31), n, h, w), h, w, 7)
}

// TestEarlyStop: an image stops at the first step whose target probability
// reaches the threshold; losses hold one value per evaluated step; without
// early stopping every image runs the step limit and over-shoots.
func TestEarlyStop(t *testing.T) {
	const h, w, limit = 6, 6, 60
	imgs := smoothBatch(t, 6, h, w)
	m := lookup(t, "brightness-contrast")
	early, err := Fit(context.Background(), cgLinear, m, imgs, Config{Direction: CGToReal, Steps: limit})
	if err != nil {
		t.Fatal(err)
	}
	late, err := Fit(context.Background(), cgLinear, m, imgs, Config{Direction: CGToReal, Steps: limit, NoEarlyStop: true})
	if err != nil {
		t.Fatal(err)
	}
	stopLoss := -math.Log(DefaultThreshold)
	for i, r := range early {
		if !r.Success || r.Steps == 0 || r.Steps >= limit {
			t.Fatalf("image %d: success %v after %d steps; want success within 1..%d steps", i, r.Success, r.Steps, limit-1)
		}
		if len(r.Losses) != r.Steps+1 {
			t.Errorf("image %d: %d losses for %d steps, want steps+1", i, len(r.Losses), r.Steps)
		}
		for s, l := range r.Losses[:r.Steps] {
			if l <= stopLoss {
				t.Errorf("image %d: loss %.4f at step %d already meets the threshold, but the fit went on", i, l, s)
			}
		}
		if last := r.Losses[r.Steps]; last > stopLoss || math.Abs(math.Exp(-last)-r.Confidence) > 1e-12 {
			t.Errorf("image %d: final loss %.4f, confidence %.4f; want loss <= %.4f and confidence = exp(-loss)", i, last, r.Confidence, stopLoss)
		}
		lr := late[i]
		if lr.Steps != limit || len(lr.Losses) != limit+1 {
			t.Errorf("image %d without early stop: %d steps, %d losses; want %d, %d", i, lr.Steps, len(lr.Losses), limit, limit+1)
		}
		if lr.Confidence <= r.Confidence+0.1 {
			t.Errorf("image %d: confidence %.3f without early stop vs %.3f with; want clear over-shooting", i, lr.Confidence, r.Confidence)
		}
		if !slices.Equal(lr.Losses[:len(r.Losses)], r.Losses) {
			t.Errorf("image %d: the two fits' shared steps differ", i)
		}
	}
}

// TestResultMatchesApply: the result image is the manipulation applied with
// the reported values, and the first loss is the classifier's on the input.
func TestResultMatchesApply(t *testing.T) {
	const h, w = 6, 7
	imgs := smoothBatch(t, 3, h, w)
	size := 3 * h * w
	for _, tc := range fitCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Fit(context.Background(), tc.clf, tc.m, imgs, Config{Direction: tc.dir, Steps: 8, LearningRate: 0.05})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				dst := make([]float32, size)
				if err := tc.m.Apply(dst, imgs.Pix[i*size:(i+1)*size], h, w, r.Values, imgs.Seeds[i]); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(dst, r.Image) {
					t.Errorf("image %d: Apply(values) differs from the result image", i)
				}
				if lm, ok := tc.clf.(*linearMeans); ok {
					// The blurs start at sigma 0.15, not the exact identity.
					ce, _ := crossEntropy(0, lm.logit(imgs.Pix[i*size:(i+1)*size]), ClassReal)
					if math.Abs(ce-r.Losses[0]) > 1e-5 {
						t.Errorf("image %d: first loss %.6f, classifier on the input gives %.6f", i, r.Losses[0], ce)
					}
				}
			}
		})
	}
}

// TestProjection: however large the steps, values stay in the parameters'
// plausible ranges (what the stored UniformDistribution allows).
func TestProjection(t *testing.T) {
	const h, w = 5, 5
	imgs := smoothBatch(t, 4, h, w)
	for _, tc := range fitCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Fit(context.Background(), tc.clf, tc.m, imgs, Config{Direction: tc.dir, Steps: 30, LearningRate: 2, NoEarlyStop: true})
			if err != nil {
				t.Fatal(err)
			}
			hit := false
			for i, r := range res {
				for j, p := range tc.m.Params() {
					v := r.Values[j]
					if v < p.Low || v > p.High {
						t.Errorf("image %d: %s = %v outside [%v,%v]", i, p.Name, v, p.Low, p.High)
					}
					hit = hit || float32(v) == float32(p.Low) || float32(v) == float32(p.High)
				}
			}
			if !hit {
				t.Error("no value reached a bound; the test checks nothing")
			}
		})
	}
}

// TestPenalty: the magnitude penalty keeps values nearer the identity.
func TestPenalty(t *testing.T) {
	const h, w = 6, 6
	imgs := smoothBatch(t, 4, h, w)
	m := lookup(t, "brightness-contrast")
	norm := func(penalty float64) float64 {
		res, err := Fit(context.Background(), cgLinear, m, imgs, Config{Direction: CGToReal, Steps: 80, NoEarlyStop: true, Penalty: penalty})
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		for _, r := range res {
			for _, v := range r.Values {
				s += v * v
			}
		}
		return s
	}
	free, penalised := norm(0), norm(5)
	if !(penalised < 0.5*free) {
		t.Errorf("squared norm %.4f with penalty, %.4f without; want under half", penalised, free)
	}
}

func TestConfigErrors(t *testing.T) {
	imgs := smoothBatch(t, 1, 4, 4)
	m := lookup(t, "exposure")
	tests := []struct {
		name    string
		cfg     Config
		mention string
	}{
		{"no direction", Config{}, "direction"},
		{"bad direction", Config{Direction: "sideways"}, `"sideways"`},
		{"negative steps", Config{Direction: CGToReal, Steps: -1}, "steps -1"},
		{"threshold above 1", Config{Direction: CGToReal, Threshold: 1.5}, "threshold 1.5"},
		{"negative rate", Config{Direction: CGToReal, LearningRate: -0.1}, "learning rate"},
		{"beta 1", Config{Direction: CGToReal, Beta1: 1}, "betas"},
		{"NaN penalty", Config{Direction: CGToReal, Penalty: math.NaN()}, "penalty"},
		{"negative batch", Config{Direction: CGToReal, BatchSize: -3}, "batch size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Fit(context.Background(), cgLinear, m, imgs, tc.cfg)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("error %v, want ErrConfig mentioning %q", err, tc.mention)
			}
		})
	}
}

func TestImageErrors(t *testing.T) {
	good := smoothBatch(t, 2, 4, 4)
	tests := []struct {
		name    string
		edit    func(im *Images)
		mention string
	}{
		{"short pixels", func(im *Images) { im.Pix = im.Pix[1:] }, "95 values"},
		{"missing seed", func(im *Images) { im.Seeds = im.Seeds[:1] }, "1 seeds for 2 images"},
		{"value above 1", func(im *Images) { im.Pix[60] = 1.5 }, "image 1 has value 1.5"},
		{"NaN", func(im *Images) { im.Pix[3] = float32(math.NaN()) }, "image 0 has value NaN"},
		{"zero width", func(im *Images) { im.W = 0 }, "2 images of 4x0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im := good
			im.Pix, im.Seeds = slices.Clone(good.Pix), slices.Clone(good.Seeds)
			tc.edit(&im)
			_, err := Fit(context.Background(), cgLinear, lookup(t, "hsv"), im, Config{Direction: CGToReal})
			if !errors.Is(err, ErrImages) || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("error %v, want ErrImages mentioning %q", err, tc.mention)
			}
		})
	}
}

// badClassifier returns logits of the wrong shape.
type badClassifier struct{}

func (badClassifier) Logits(x *gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.Mean(gorgonia.Must(gorgonia.Reshape(x, tensor.Shape{x.Shape()[0], 3 * x.Shape()[2] * x.Shape()[3]})), 1)
}

func TestClassifierErrors(t *testing.T) {
	_, err := Fit(context.Background(), badClassifier{}, lookup(t, "hsv"), smoothBatch(t, 2, 4, 4), Config{Direction: CGToReal})
	if !errors.Is(err, ErrClassifier) || !strings.Contains(err.Error(), "want float32 [2,2]") {
		t.Fatalf("error %v, want ErrClassifier naming the expected shape", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Fit(ctx, cgLinear, lookup(t, "hsv"), smoothBatch(t, 2, 4, 4), Config{Direction: CGToReal})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestProgress(t *testing.T) {
	var calls [][2]int
	_, err := Fit(context.Background(), cgLinear, lookup(t, "exposure"), smoothBatch(t, 5, 4, 4),
		Config{Direction: CGToReal, Steps: 2, BatchSize: 2, Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][2]int{{2, 5}, {4, 5}, {5, 5}}; !slices.Equal(calls, want) {
		t.Errorf("progress calls %v, want %v", calls, want)
	}
}

// TestCrossEntropyGradient checks the loss op's gradient against central
// finite differences.
func TestCrossEntropyGradient(t *testing.T) {
	logits := []float64{0.3, -1.2, 2.5, 0.1, -0.7, -0.7, 8, -9}
	for _, target := range []int{ClassCG, ClassReal} {
		g := gorgonia.NewGraph()
		l := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(4, 2), gorgonia.WithName("l"),
			gorgonia.WithValue(tensor.New(tensor.WithShape(4, 2), tensor.WithBacking(slices.Clone(logits)))))
		loss := gorgonia.Must(gorgonia.ApplyOp(&xentOp{n: 4, target: target}, l))
		grads, err := gorgonia.Grad(loss, l)
		if err != nil {
			t.Fatal(err)
		}
		var gv gorgonia.Value
		gorgonia.Read(grads[0], &gv)
		if err := gorgonia.NewTapeMachine(g).RunAll(); err != nil {
			t.Fatal(err)
		}
		grad := gv.Data().([]float64)
		sum := func(ls []float64) float64 {
			s := 0.0
			for i := range 4 {
				ce, _ := crossEntropy(ls[2*i], ls[2*i+1], target)
				s += ce
			}
			return s
		}
		const eps = 1e-6
		for j := range logits {
			p, q := slices.Clone(logits), slices.Clone(logits)
			p[j] += eps
			q[j] -= eps
			if fd := (sum(p) - sum(q)) / (2 * eps); math.Abs(fd-grad[j]) > 1e-8 {
				t.Errorf("target %d logit %d: gradient %.10f, finite difference %.10f", target, j, grad[j], fd)
			}
		}
	}
}

// countingClassifier counts graph builds (one Logits call per graph).
type countingClassifier struct {
	Classifier
	builds int
}

func (c *countingClassifier) Logits(x *gorgonia.Node) (*gorgonia.Node, error) {
	c.builds++
	return c.Classifier.Logits(x)
}

// TestCompaction: once half the images in a graph have stopped, the graph
// is rebuilt for the rest; results are the same as without compaction.
func TestCompaction(t *testing.T) {
	const h, w = 6, 6
	r := testRand(t, 51)
	// Images from nearly real to clearly CG stop after very different numbers of steps.
	var imgs [][]float32
	for i := range 8 {
		im := smoothImages(r, 1, h, w)[0]
		imgs = append(imgs, withGain([][]float32{im}, [3]float64{1 + 0.05*float64(i), 1, 1})[0])
	}
	clf := &linearMeans{w: [3]float64{-20, 5, 5}, b: 3}
	m := lookup(t, "brightness-contrast")
	for _, tc := range []struct {
		name string
		clf  Classifier
		dir  Direction
		lr   float64
	}{
		{"linear", clf, CGToReal, 0.003},
		{"conv", newTinyConv(4), RealToCG, 0.03},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Direction: tc.dir, Steps: 100, LearningRate: tc.lr}
			plain := cfg
			plain.noCompaction = true
			c1, c2 := &countingClassifier{Classifier: tc.clf}, &countingClassifier{Classifier: tc.clf}
			want, err := Fit(context.Background(), c1, m, batch(imgs, h, w, 0), plain)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Fit(context.Background(), c2, m, batch(imgs, h, w, 0), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("compaction changed results:\n%s", diff)
			}
			steps := make([]int, len(got))
			for i, r := range got {
				steps[i] = r.Steps
			}
			t.Logf("steps per image %v, graphs built %d (without compaction %d)", steps, c2.builds, c1.builds)
			if c1.builds != 1 || c2.builds < 2 {
				t.Errorf("graphs built: %d without compaction (want 1), %d with (want >= 2)", c1.builds, c2.builds)
			}
		})
	}
}

// TestRawBounds: the projection bounds, run through the graph's float32
// rounding, give values inside the range, as close to its ends as float32
// allows.
func TestRawBounds(t *testing.T) {
	for _, name := range manip.Names() {
		m := lookup(t, name)
		for _, p := range m.Params() {
			lo, hi := rawBounds(p)
			vlo := float64(float32(p.Value(float64(float32(lo)))))
			vhi := float64(float32(p.Value(float64(float32(hi)))))
			if float64(float32(lo)) != lo || float64(float32(hi)) != hi {
				t.Errorf("%s %s: bounds %v, %v are not float32 values", name, p.Name, lo, hi)
			}
			if vlo < p.Low || vhi > p.High {
				t.Errorf("%s %s: bounds give values %v..%v outside [%v,%v]", name, p.Name, vlo, vhi, p.Low, p.High)
			}
			if p.High-vhi > 1e-6*math.Max(1, p.High) || vlo-p.Low > 1e-6*math.Max(1, math.Abs(p.Low)) {
				t.Errorf("%s %s: bounds give values %v..%v, short of [%v,%v]", name, p.Name, vlo, vhi, p.Low, p.High)
			}
		}
	}
}

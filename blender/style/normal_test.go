package style

import (
	"math"
	"testing"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// TestNormalStreamDistribution draws a million values and compares their
// moments and their distribution function with the standard normal's,
// including the ziggurat's tail (|x| > 3.44) and wedges.
func TestNormalStreamDistribution(t *testing.T) {
	const n = 1_000_000
	s := newNormalStream(12345, 2)
	points := []float64{-3.6, -3, -2, -1, -0.5, 0, 0.3, 1, 2, 2.5, 3.5}
	below := make([]int, len(points))
	var sum, sum2, sum4 float64
	tail := 0
	for i := range n {
		x := s.at(uint64(i))
		sum += x
		sum2 += x * x
		sum4 += x * x * x * x
		if math.Abs(x) > zigR {
			tail++
		}
		for k, p := range points {
			if x < p {
				below[k]++
			}
		}
	}
	mean, variance, kurt := sum/n, sum2/n, sum4/n
	if math.Abs(mean) > 0.005 || math.Abs(variance-1) > 0.01 || math.Abs(kurt-3) > 0.05 {
		t.Errorf("mean %.5f, variance %.5f, fourth moment %.4f; want 0, 1, 3", mean, variance, kurt)
	}
	for k, p := range points {
		want := 0.5 * fmath.Erfc(-p/math.Sqrt2)
		got := float64(below[k]) / n
		if sd := math.Sqrt(want * (1 - want) / n); math.Abs(got-want) > 5*sd+1e-6 {
			t.Errorf("P(X < %v) = %.6f, want %.6f (5 sd = %.6f)", p, got, want, 5*sd)
		}
	}
	if want := n * fmath.Erfc(zigR/math.Sqrt2); math.Abs(float64(tail)-want) > 5*math.Sqrt(want) {
		t.Errorf("%d values beyond ±%v, want about %.0f", tail, zigR, want)
	}
}

// TestNormalStreamIndependence checks that a value depends only on (seed,
// stream, index) and that neighbouring streams and indexes are
// uncorrelated.
func TestNormalStreamIndependence(t *testing.T) {
	a, b, c := newNormalStream(7, 0), newNormalStream(7, 1), newNormalStream(8, 0)
	const n = 200_000
	var ab, ac, lag float64
	prev := a.at(0)
	for i := range uint64(n) {
		x := a.at(i)
		if x != newNormalStream(7, 0).at(i) {
			t.Fatalf("value %d differs between two streams with the same key", i)
		}
		ab += x * b.at(i)
		ac += x * c.at(i)
		if i > 0 {
			lag += x * prev
		}
		prev = x
	}
	for name, v := range map[string]float64{"streams 0 and 1": ab, "seeds 7 and 8": ac, "index i and i-1": lag} {
		if r := v / n; math.Abs(r) > 0.015 {
			t.Errorf("correlation of %s %.4f, want about 0", name, r)
		}
	}
}

// TestNormalStreamFill holds fill to at, value by value, over a million
// indices of two streams (tails and wedges included; past indexMixMax and
// within it).
func TestNormalStreamFill(t *testing.T) {
	for _, key := range []uint64{1, 0xdeadbeef} {
		s := newNormalStream(key, 2)
		dst := make([]float64, 1<<20)
		if key == 1 {
			dst = dst[:5000]
		}
		s.fill(dst)
		for i, v := range dst {
			if want := s.at(uint64(i)); math.Float64bits(v) != math.Float64bits(want) {
				t.Fatalf("key %d index %d: fill gives %v, at gives %v", key, i, v, want)
			}
		}
	}
}

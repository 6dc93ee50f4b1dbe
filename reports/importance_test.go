package reports

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// synthTrials is a search over n parameters p00.. where only the planted
// ones move the loss: loss = Σ w_i (x_i − 0.3)² + noise.
func synthTrials(seed uint64, trials, params int, weights map[string]float64) []Trial {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]Trial, trials)
	for i := range out {
		t := Trial{Number: i, Complete: true, Params: map[string]float64{}}
		v := 0.0
		for p := range params {
			name := paramName(p)
			x := rng.Float64()
			if p%3 == 2 {
				x = math.Exp(8*x - 4) // a log-scaled parameter
			}
			t.Params[name] = x
			v += weights[name] * (x - 0.3) * (x - 0.3)
		}
		t.Value = v + 0.01*rng.NormFloat64()
		out[i] = t
	}
	return out
}

func paramName(i int) string { return "p" + string(rune('0'+i/10)) + string(rune('0'+i%10)) }

func TestImportanceRanksPlantedParameterFirst(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		trials := synthTrials(seed, 200, 18, map[string]float64{"p07": 6, "p12": 3})
		imp := Importance(trials)
		if len(imp) != 18 {
			t.Fatalf("seed %d: %d parameters, want 18", seed, len(imp))
		}
		if imp[0].Name != "p07" || imp[1].Name != "p12" {
			t.Errorf("seed %d: ranking starts %s, %s; want p07, p12 (%+v)", seed, imp[0].Name, imp[1].Name, imp[:3])
		}
		if imp[0].Importance < 0.5 {
			t.Errorf("seed %d: dominant parameter explains %.3f, want > 0.5", seed, imp[0].Importance)
		}
		for _, p := range imp[2:] {
			if p.Importance > 0.1 {
				t.Errorf("seed %d: inert parameter %s scored %.3f", seed, p.Name, p.Importance)
			}
		}
		if imp[0].Bins != 10 || imp[0].Trials != 200 {
			t.Errorf("seed %d: bins %d trials %d, want 10 and 200", seed, imp[0].Bins, imp[0].Trials)
		}
	}
}

func TestImportanceEdgeCases(t *testing.T) {
	if got := Importance(nil); len(got) != 0 {
		t.Errorf("no trials: %v", got)
	}
	// Constant loss, a constant parameter, too few trials, a failed trial.
	var trials []Trial
	for i := range 6 {
		trials = append(trials, Trial{Number: i, Complete: true, Value: 1, Params: map[string]float64{"a": float64(i), "c": 2}})
	}
	trials = append(trials, Trial{Number: 6, Complete: false, Value: math.NaN(), Params: map[string]float64{"a": 9, "rare": 1}})
	trials = append(trials, Trial{Number: 7, Complete: true, Value: math.Inf(1), Params: map[string]float64{"rare": 1}})
	for _, p := range Importance(trials) {
		if p.Importance != 0 {
			t.Errorf("%s: importance %v, want 0", p.Name, p.Importance)
		}
		if p.Name == "rare" {
			t.Errorf("a parameter only of unusable trials is listed")
		}
		if p.Name == "c" && p.Bins != 1 {
			t.Errorf("constant parameter in %d bins, want 1 (ties never split)", p.Bins)
		}
	}
}

// The score depends on ranks only: a monotone transform of a parameter does
// not change it, and the input order does not either.
func TestImportanceInvariance(t *testing.T) {
	trials := synthTrials(3, 60, 4, map[string]float64{"p01": 3})
	a := Importance(trials)
	rev := make([]Trial, len(trials))
	for i, tr := range trials {
		p := map[string]float64{}
		for k, v := range tr.Params {
			p[k] = v
		}
		p["p01"] = math.Exp(3 * p["p01"])
		tr.Params = p
		rev[len(trials)-1-i] = tr
	}
	b := Importance(rev)
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("rank %d: %+v vs %+v", i, a[i], b[i])
		}
	}
}

// A round's analysis figures draw its planted parameters: the contour is of
// the two most important, the figures render, and the dashboard's contour
// of a chosen pair refuses unknown parameters.
func TestAnalysisFiguresFollowImportance(t *testing.T) {
	s := StudyData{ID: 1, Name: "s", Kind: KindContent, Sampler: "tpe", Threshold: 0.5,
		Trials: synthTrials(2, 150, 18, map[string]float64{"p07": 6, "p12": 3})}
	figs := analysisFigures("exp2 round 1", []StudyData{s}, "exp2-round-1")
	var names []string
	for _, f := range figs {
		names = append(names, f.Name)
	}
	if len(figs) != 4 || figs[3].Name != "contour-exp2-round-1" {
		t.Fatalf("figures %v", names)
	}
	if want := "Loss over p07 and p12: exp2 round 1"; figs[3].Title != want {
		t.Errorf("contour title %q, want %q", figs[3].Title, want)
	}
	for _, f := range figs {
		for _, format := range []string{FigurePNG, FigureSVG} {
			b, err := f.Render(context.Background(), nil, format)
			if err != nil || len(b) < 1000 {
				t.Errorf("%s.%s: %d bytes, %v", f.Name, format, len(b), err)
			}
		}
	}
	f, err := ContourFigure([]StudyData{s}, "p03", "p00")
	if err != nil || f.Title != "Loss over p03 and p00: study 1 (s)" {
		t.Errorf("chosen pair: %q, %v", f.Title, err)
	}
	for _, pair := range [][2]string{{"p03", "nope"}, {"p03", "p03"}} {
		if _, err := ContourFigure([]StudyData{s}, pair[0], pair[1]); !errors.Is(err, ErrNotFound) {
			t.Errorf("contour of %v: err %v, want ErrNotFound", pair, err)
		}
	}
	if got := ParamNames([]StudyData{s}); len(got) != 18 || got[0] != "p00" {
		t.Errorf("ParamNames = %v", got)
	}
}

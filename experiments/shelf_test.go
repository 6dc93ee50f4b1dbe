package experiments

import (
	"fmt"
	"math"
	"testing"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/study"
)

func TestExp1Truth(t *testing.T) {
	trial := func(rx, ry float64, called bool) study.Result {
		return study.Result{Params: map[string]any{"rot_x": rx, "rot_y": ry, "rot_z": 30.0},
			Attrs: map[string]string{keys.TrialSuccess: fmt.Sprint(called)}}
	}
	res := []study.Result{
		trial(0, 0, true),     // standing, called standing
		trial(10, -10, true),  // tilted 14.1 degrees: still vertical
		trial(12, 12, true),   // tilted 16.9 degrees: not
		trial(90, 0, true),    // lying, called standing: the overconfident case
		trial(180, 0, true),   // upside down: not standing
		trial(0, 5, false),    // vertical, not called standing
		trial(-90, 30, false), // lying, not called
	}
	got, err := exp1Truth(res)
	if err != nil {
		t.Fatal(err)
	}
	if got[MeasureCalledStanding] != 5 || got[MeasureStandingVertical] != 2.0/5 || math.Abs(got[MeasureVertical]-3.0/7) > 1e-15 {
		t.Errorf("exp1 truth %v; want 5 called standing, 2/5 of them vertical, 3/7 vertical overall", got)
	}
	if _, err := exp1Truth([]study.Result{{Params: map[string]any{"rot_x": 1.0}}}); err == nil {
		t.Errorf("a trial without rot_y: no error")
	}
}

func shelfTrial(loss float64, products [6]string, rx, rz [6]float64) study.Result {
	p := map[string]any{}
	for k := range 6 {
		p[fmt.Sprintf("o%d_product", k+1)] = products[k]
		p[fmt.Sprintf("o%d_rot_x", k+1)] = rx[k]
		p[fmt.Sprintf("o%d_rot_z", k+1)] = rz[k]
	}
	return study.Result{Value: loss, Params: p}
}

// TestShelfRule: the rule is scored per level on the best images only; a
// top level of small standing items is right, a bottom level of large
// items lying sideways (heading 40) has the right kind but the wrong pose.
func TestShelfRule(t *testing.T) {
	small, large := "can-330ml", "bottle-2l"
	good := shelfTrial(0.1, [6]string{small, small, small, large, large, large}, [6]float64{0, 5, 10, 90, 85, 80}, [6]float64{30, -30, 0, 0, 5, -10})
	sideways := shelfTrial(0.2, [6]string{small, small, "bottle-500ml", large, "carton-1l", large}, [6]float64{0, 0, 0, 90, 90, 90}, [6]float64{0, 0, 0, 40, 40, 40})
	wrong := shelfTrial(0.3, [6]string{large, large, large, small, small, small}, [6]float64{90, 90, 90, 0, 0, 0}, [6]float64{})
	var res []study.Result
	res = append(res, good, sideways, wrong)
	for range 100 { // worse than the best 10%: not scored
		res = append(res, shelfTrial(5, [6]string{large, large, large, small, small, small}, [6]float64{}, [6]float64{}))
	}
	got, err := shelfRule(res)
	if err != nil {
		t.Fatal(err)
	}
	// best 11 of 103: good, sideways, wrong and 8 all-wrong ones.
	want := map[string]float64{MeasureShelfImages: 11, MeasureShelfTop: 6.0 / 33, MeasureShelfTopKind: 6.0 / 33, MeasureShelfTopPose: 30.0 / 33,
		MeasureShelfBottom: 3.0 / 33, MeasureShelfBottomKind: 6.0 / 33, MeasureShelfBottomPose: 3.0 / 33}
	for k, w := range want {
		if math.Abs(got[k]-w) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
	if _, err := shelfRule([]study.Result{shelfTrial(1, [6]string{"barrel"}, [6]float64{}, [6]float64{})}); err == nil {
		t.Errorf("unknown product: no error")
	}
}

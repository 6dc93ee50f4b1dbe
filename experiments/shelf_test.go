package experiments

import (
	"fmt"
	"math"
	"testing"

	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/study"
)

func contentSpace(t *testing.T, exp string) *scene.ContentSpace {
	t.Helper()
	s, err := scene.NewContentSpace(exp, 32, 1)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBottleUp(t *testing.T) {
	for _, c := range []struct {
		rot  scene.Vec3
		want float64
	}{{scene.Vec3{0, 0, 77}, 1}, {scene.Vec3{90, 0, 0}, 0}, {scene.Vec3{180, 0, 0}, -1}, {scene.Vec3{0, 90, 0}, 0},
		{scene.Vec3{60, 0, 0}, 0.5}, {scene.Vec3{0, -60, 30}, 0.5}} {
		if got := bottleUp(c.rot); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("bottleUp(%v) = %v, want %v", c.rot, got, c.want)
		}
	}
}

func TestExp1Truth(t *testing.T) {
	slot := 0
	trial := func(rx, ry float64, called bool) study.Result {
		slot++
		return study.Result{Slot: slot - 1, Params: map[string]any{"x": 0.0, "y": 0.0, "z": 0.9, "rot_x": rx, "rot_y": ry, "rot_z": 30.0},
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
	space := contentSpace(t, "exp1")
	for i := range res { // z inside the space whatever its table height
		res[i].Params["z"] = space.Params()[2].Low + 0.05
	}
	round := keys.SearchRound("exp1", 1)
	got, err := exp1Truth(space, res, round)
	if err != nil {
		t.Fatal(err)
	}
	m := func(stage, measure string) float64 { return got[keys.Metric(stage, measure)] }
	if m(round, keys.MeasureTruthTrials) != 7 || m(round, keys.MeasureCalledStanding) != 5 ||
		m(round, keys.MeasureStandingVertical) != 2.0/5 || math.Abs(m(round, keys.MeasureVertical)-3.0/7) > 1e-15 {
		t.Errorf("exp1 truth %v; want 5 of 7 called standing, 2/5 of them vertical, 3/7 vertical overall", got)
	}
	// 7 slots in blocks of one: block 4 is the lying bottle called standing.
	b4 := keys.TrialBlock(round, 4, 4)
	if m(b4, keys.MeasureCalledStanding) != 1 || m(b4, keys.MeasureStandingVertical) != 0 || m(b4, keys.MeasureVertical) != 0 {
		t.Errorf("block %s: %v", b4, got)
	}
	if _, ok := got[keys.Metric(keys.TrialBlock(round, 6, 6), keys.MeasureStandingVertical)]; ok {
		t.Errorf("a block with no trial called standing has a called_standing_vertical share")
	}
	if _, err := exp1Truth(space, []study.Result{{Params: map[string]any{"rot_x": 1.0}}}, round); err == nil {
		t.Errorf("a trial without the other parameters: no error")
	}
}

func shelfTrial(loss float64, called bool, products [6]string, rx, rz [6]float64) study.Result {
	p := map[string]any{}
	for k := range 6 {
		p[fmt.Sprintf("o%d_product", k+1)] = products[k]
		p[fmt.Sprintf("o%d_rot_x", k+1)] = rx[k]
		p[fmt.Sprintf("o%d_rot_z", k+1)] = rz[k]
	}
	return study.Result{Value: loss, Params: p, Attrs: map[string]string{keys.TrialSuccess: fmt.Sprint(called)}}
}

// TestShelfRule: the rule is scored per level on the best images only; a
// top level of small standing items is right, a bottom level of large
// items lying sideways (heading 40) has the right kind but the wrong pose.
func TestShelfRule(t *testing.T) {
	small, large := "can-330ml", "bottle-2l"
	good := shelfTrial(0.1, true, [6]string{small, small, small, large, large, large}, [6]float64{0, 5, 10, 90, 85, 80}, [6]float64{30, -30, 0, 0, 5, -10})
	sideways := shelfTrial(0.2, true, [6]string{small, small, "bottle-500ml", large, "carton-1l", large}, [6]float64{0, 0, 0, 90, 90, 90}, [6]float64{0, 0, 0, 40, 40, 40})
	wrong := shelfTrial(0.3, false, [6]string{large, large, large, small, small, small}, [6]float64{90, 90, 90, 0, 0, 0}, [6]float64{})
	var res []study.Result
	res = append(res, good, sideways, wrong)
	for range 100 { // worse than the best 10%: not scored
		res = append(res, shelfTrial(5, false, [6]string{large, large, large, small, small, small}, [6]float64{}, [6]float64{}))
	}
	got, err := shelfRule(contentSpace(t, "exp2"), res)
	if err != nil {
		t.Fatal(err)
	}
	// best 11 of 103: good, sideways, wrong and 8 all-wrong ones.
	want := map[string]float64{keys.MeasureShelfImages: 11, keys.MeasureShelfCalled: 2,
		keys.MeasureShelfTopLevel: 2.0 / 11, keys.MeasureShelfBottomLevel: 1.0 / 11,
		keys.MeasureShelfTop: 6.0 / 33, keys.MeasureShelfTopKind: 6.0 / 33, keys.MeasureShelfTopPose: 30.0 / 33,
		keys.MeasureShelfBottom: 3.0 / 33, keys.MeasureShelfBottomKind: 6.0 / 33, keys.MeasureShelfBottomPose: 3.0 / 33}
	for k, w := range want {
		if math.Abs(got[k]-w) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
	if _, err := shelfRule(contentSpace(t, "exp2"), []study.Result{shelfTrial(1, false, [6]string{"barrel"}, [6]float64{}, [6]float64{})}); err == nil {
		t.Errorf("unknown product: no error")
	}
}

func TestBestCount(t *testing.T) {
	for n, want := range map[int]int{3: 3, 5: 5, 20: 5, 100: 10, 101: 11, 1000: 100} {
		if got := bestCount(n); got != want {
			t.Errorf("bestCount(%d) = %d, want %d", n, got, want)
		}
	}
}

package reporttest

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// RecoveryRunID is the run Recovery creates.
const RecoveryRunID = 1

// Recovery returns a store holding one run shaped like style/recovery with
// style.rounds and a segmentation comparison with seeds:
//   - blur-brightness-contrast in style.rounds: round 1 against the main
//     discriminator and round 2 against a fresh one, each image with its
//     own planted colour cast and blur (trial attribute cgx.planted; round 2
//     records what round 1 left) and round 2's cumulative metrics; round 3's
//     discriminator fell below style.round_accuracy, so no fit followed;
//   - blur (no rounds) whose sigma runs to its upper bound on most images:
//     right "sign" by construction, wrong magnitude (its checks must fail);
//   - noise whose noise_std has an arbitrary sign but the planted size;
//   - a distribution fit of brightness-contrast (means as values, spreads
//     in cgx.spread, the share of draws that fool the discriminator);
//   - segmentation AP of four training sets over three seeds each.
func Recovery() *Store {
	s := &Store{}
	b := &builder{s: s, seed: 7, run: RecoveryRunID}
	const bbc = "blur-brightness-contrast"
	r1 := b.roundStudy(keys.FitRoundStage(bbc, keys.DirectionCGToReal, 1), 1, 24)
	r2 := b.roundStudy(keys.FitRoundStage(bbc, keys.DirectionCGToReal, 2), 2, 24)
	blur := b.boundedBlurStudy(keys.FitStage("blur", keys.DirectionCGToReal), 20)
	noise := b.noiseStudy(keys.FitStage("noise", keys.DirectionCGToReal), 20)
	dist := b.distributionStudy(keys.FitDistributionStage("brightness-contrast", keys.DirectionCGToReal), 16)
	stages := []struct {
		name    string
		studies []int
		metrics map[string]float64
	}{
		{keys.DatasetStage("cg"), nil, nil},
		{keys.DatasetStage("real"), nil, nil},
		{keys.DiscriminatorStage(keys.DiscriminatorMain), nil, map[string]float64{keys.MeasureAccuracy: 0.996}},
		{keys.FitRoundStage(bbc, keys.DirectionCGToReal, 1), []int{r1}, nil},
		{keys.DiscriminatorStage(keys.RoundDiscriminator(bbc, 2)), nil, map[string]float64{keys.MeasureAccuracy: 0.992}},
		{keys.FitRoundStage(bbc, keys.DirectionCGToReal, 2), []int{r2}, map[string]float64{
			keys.Cumulative(keys.RecoveryMeasure(keys.StatR, "contrast_g")):              0.87,
			keys.Cumulative(keys.RecoveryMeasure(keys.StatMedianAbsError, "contrast_g")): 0.021,
			keys.Cumulative(keys.RecoveryMeasure(keys.StatMedianRelError, "contrast_g")): 0.24,
			keys.Cumulative(keys.RecoveryMeasure(keys.StatFittedMedian, "contrast_g")):   -0.071,
			keys.Cumulative(keys.RecoveryMeasure(keys.StatPlantedMedian, "contrast_g")):  -0.085,
			keys.Cumulative(keys.RecoveryMeasure(keys.StatR, "sigma")):                   0.55,
			keys.Cumulative(keys.RecoveryMeasure(keys.StatMedianRelError, "sigma")):      0.73,
			keys.Cumulative(keys.RecoveryMeasure(keys.StatFittedMedian, "sigma")):        0.21,
			keys.Cumulative(keys.RecoveryMeasure(keys.StatPlantedMedian, "sigma")):       0.6,
		}},
		{keys.DiscriminatorStage(keys.RoundDiscriminator(bbc, 3)), nil, map[string]float64{keys.MeasureAccuracy: 0.55}},
		{keys.FitStage("blur", keys.DirectionCGToReal), []int{blur}, nil},
		{keys.FitStage("noise", keys.DirectionCGToReal), []int{noise}, nil},
		{keys.FitDistributionStage("brightness-contrast", keys.DirectionCGToReal), []int{dist}, nil},
	}
	ap := map[string][3]float64{
		keys.BaselineSet: {0.480, 0.462, 0.495}, "blur": {0.27, 0.30, 0.25},
		"brightness-contrast": {0.53, 0.51, 0.55}, "random-augment": {0.49, 0.47, 0.50},
	}
	for _, set := range []string{keys.BaselineSet, "brightness-contrast", "blur", "random-augment"} {
		for k := 1; k <= 3; k++ {
			v := ap[set][k-1]
			stages = append(stages, struct {
				name    string
				studies []int
				metrics map[string]float64
			}{keys.SegmentationSeedStage(set, k), nil, map[string]float64{
				keys.MeasureAP: v, keys.MeasureAP50: math.Round(1000*(v+0.25)) / 1000, keys.MeasureAP75: math.Round(1000*(v-0.02)) / 1000}})
		}
	}
	var stageKeys []string
	for i, st := range stages {
		ts := tracker.Stage{Key: stageKey("recovery " + st.name), Name: st.name, RunID: RecoveryRunID, Status: "done",
			Started: epoch.Add(time.Duration(i) * time.Minute), Ended: epoch.Add(time.Duration(i+1) * time.Minute),
			Studies: st.studies, Metrics: st.metrics}
		stageKeys = append(stageKeys, ts.Key)
		s.AddStage(ts)
	}
	spec := "name = \"style/recovery\"\n[style]\nrounds = 3\nround_accuracy = 0.6\n"
	s.AddRun(tracker.Run{
		ID: RecoveryRunID, Name: "style/recovery", Spec: spec, SpecSHA256: sha(spec), Seed: 20210601, Profile: "smoke",
		Workers: 2, Status: tracker.RunSucceeded, Started: epoch, Ended: epoch.Add(time.Duration(len(stages)) * time.Minute),
		GoVersion: "go1.26.8", CPUModel: "Test CPU @ 2.0GHz", Studies: []int{r1, r2, blur, noise, dist}, Stages: stageKeys,
	})
	return s
}

// bbcParams are blur-brightness-contrast's parameters, in a fixed order for
// the draws.
var bbcParams = []string{"brightness_r", "brightness_g", "brightness_b", "contrast_r", "contrast_g", "contrast_b", "sigma"}

// roundStudy adds round k of a blur-brightness-contrast fit: each image is
// planted a green cast of strength u and a blur; round 1 recovers about half
// the cast and barely moves sigma, round 2 fits against what round 1 left.
func (b *builder) roundStudy(stage string, round, images int) int {
	r := newRNG(b.seed, "round image draws") // the same images in every round
	rk := newRNG(b.seed, stage)
	attrs := map[string]string{
		keys.AttrKind: "style", keys.AttrManipulation: "blur-brightness-contrast", keys.AttrDirection: keys.DirectionCGToReal,
		keys.AttrSeed: strconv.FormatUint(b.seed*1_000_003+uint64(round), 10), keys.AttrThreshold: "0.5", keys.AttrRound: strconv.Itoa(round),
	}
	id := b.s.AddStudy(keys.StudyName(b.run, stage), b.attrs(stage, attrs))
	ranges := map[string][2]float64{"sigma": {0, 3}}
	for _, c := range channels {
		ranges["brightness_"+c], ranges["contrast_"+c] = [2]float64{-1, 1}, [2]float64{-1, 1}
	}
	for i := range images {
		u, v := r.float(), r.float()
		planted := map[string]float64{"brightness_r": 0, "brightness_g": -0.033 * u, "brightness_b": 0,
			"contrast_r": 0, "contrast_g": -0.167 * u, "contrast_b": 0, "sigma": 0.3 + 0.6*v}
		fitted := map[string]float64{}
		for _, k := range bbcParams {
			fitted[k] = 0.5*planted[k] + 0.002*r.norm()
		}
		fitted["sigma"] = 0.15 + 0.01*r.norm()
		if round == 2 { // what round 1 left, and round 2's own fit of it
			for _, k := range bbcParams {
				p := planted[k]
				if k == "sigma" {
					planted[k] = math.Sqrt(math.Max(0, p*p-fitted[k]*fitted[k]))
				} else {
					planted[k] = p - fitted[k]
				}
			}
			for _, k := range bbcParams {
				fitted[k] = 0.6*planted[k] + 0.002*rk.norm()
			}
			fitted["sigma"] = 0.06 + 0.01*rk.norm()
		}
		conf := 0.5 + 0.2*rk.float()
		b.styleTrial(id, fitted, ranges, rk, conf, 0.5, map[string]string{
			keys.TrialImage: strconv.Itoa(i), keys.TrialPlanted: mustJSON(planted), keys.TrialAtBound: ""})
	}
	return id
}

// boundedBlurStudy adds a blur fit whose sigma ends at its upper bound (3 px)
// on 14 of 20 images against planted values of 0.3 to 0.9 px.
func (b *builder) boundedBlurStudy(stage string, images int) int {
	r := newRNG(b.seed, stage)
	id := b.s.AddStudy(keys.StudyName(b.run, stage), b.attrs(stage, map[string]string{
		keys.AttrKind: "style", keys.AttrManipulation: "blur", keys.AttrDirection: keys.DirectionCGToReal,
		keys.AttrSeed: "4", keys.AttrThreshold: "0.5",
	}))
	for i := range images {
		pl := 0.3 + 0.6*r.float()
		f, bound := 3.0, "sigma"
		if i%10 >= 7 {
			f, bound = 2*pl, ""
		}
		conf := 0.3 + 0.3*r.float()
		b.styleTrial(id, map[string]float64{"sigma": f}, map[string][2]float64{"sigma": {0, 3}}, r, conf, 0.5, map[string]string{
			keys.TrialImage: strconv.Itoa(i), keys.TrialPlanted: mustJSON(map[string]float64{"sigma": pl}), keys.TrialAtBound: bound})
	}
	return id
}

// noiseStudy adds a noise fit whose |noise_std| is within 10% of each
// image's planted level while its sign alternates (the fixed sample's
// mirror is as likely).
func (b *builder) noiseStudy(stage string, images int) int {
	r := newRNG(b.seed, stage)
	id := b.s.AddStudy(keys.StudyName(b.run, stage), b.attrs(stage, map[string]string{
		keys.AttrKind: "style", keys.AttrManipulation: "noise", keys.AttrDirection: keys.DirectionCGToReal,
		keys.AttrSeed: "5", keys.AttrThreshold: "0.5",
	}))
	ranges := map[string][2]float64{"noise_mean": {-0.5, 0.5}, "noise_std": {-0.5, 0.5}}
	for i := range images {
		pl := 0.02 + 0.06*r.float()
		sd := pl * (1 + 0.1*(2*r.float()-1))
		if i%2 == 1 {
			sd = -sd
		}
		var bound []string
		mean := 0.01 * r.norm()
		if i == 3 {
			mean, bound = 0.5, []string{"noise_mean"}
		}
		b.styleTrial(id, map[string]float64{"noise_mean": mean, "noise_std": sd}, ranges, r, 0.55, 0.5, map[string]string{
			keys.TrialImage: strconv.Itoa(i), keys.TrialPlanted: mustJSON(map[string]float64{"noise_std": pl}),
			keys.TrialAtBound: strings.Join(bound, ",")})
	}
	return id
}

// distributionStudy adds a brightness-contrast distribution fit: per image
// means at 60% of its planted green cast and spreads of about 0.01.
func (b *builder) distributionStudy(stage string, images int) int {
	r := newRNG(b.seed, stage)
	id := b.s.AddStudy(keys.StudyName(b.run, stage), b.attrs(stage, map[string]string{
		keys.AttrKind: "style", keys.AttrManipulation: "brightness-contrast", keys.AttrDirection: keys.DirectionCGToReal,
		keys.AttrSeed: "6", keys.AttrThreshold: "0.5",
	}))
	ranges := map[string][2]float64{}
	for _, c := range channels {
		ranges["brightness_"+c], ranges["contrast_"+c] = [2]float64{-1, 1}, [2]float64{-1, 1}
	}
	names := bbcParams[:6]
	for i := range images {
		u := r.float()
		planted := map[string]float64{"brightness_r": 0, "brightness_g": -0.033 * u, "brightness_b": 0,
			"contrast_r": 0, "contrast_g": -0.167 * u, "contrast_b": 0}
		means, spreads := map[string]float64{}, map[string]float64{}
		for _, k := range names {
			means[k] = 0.6*planted[k] + 0.002*r.norm()
			spreads[k] = 0.01 + 0.002*r.float()
		}
		b.styleTrial(id, means, ranges, r, 0.5+0.3*r.float(), 0.5, map[string]string{
			keys.TrialImage: strconv.Itoa(i), keys.TrialPlanted: mustJSON(planted), keys.TrialAtBound: "",
			keys.TrialSpread: mustJSON(spreads), keys.TrialSampleSuccess: f(0.3 + 0.4*r.float())})
	}
	return id
}

package reporttest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// Fixed clock for fixtures: results never depend on the wall clock.
var epoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// DemoSpec is the spec text stored with the demo run.
const DemoSpec = `# cgx demo: style fit and content search (ci profile)
name = "demo"
seed = 42
profile = "ci"

[[dataset]]
name = "cg"
source = "render"
images = 60

[[fit]]
manipulation = "brightness-contrast"
direction = "cg-to-real"

[[search]]
name = "exp2.1"
samplers = ["tpe", "cmaes", "random"]
seeds = [1, 2, 3]
trials = 25
`

// Planted is the gap planted into the demo's generated real domain, in the
// coordinates of the cg-to-real brightness/contrast fit: the CG renders are
// too green.
var Planted = map[string]float64{
	"brightness_r": 0, "brightness_g": -0.08, "brightness_b": 0.02,
	"contrast_r": 0, "contrast_g": -0.10, "contrast_b": 0,
}

// DemoRunID and HostileRunID are the runs Demo creates.
const (
	DemoRunID    = 1
	HostileRunID = 2
)

// Hostile is the name given to run 2 and to some of its study attributes, to
// check that every page escapes what users wrote.
const Hostile = `<script>alert("cgx")</script>&<b>x</b>`

// Demo returns a store holding run 1 (a finished run with style fits,
// content searches, discriminator and segmentation metrics and images) and
// run 2 (a running run whose names and attributes are hostile HTML).
func Demo() *Store {
	s := &Store{}
	const seed = 42
	b := &builder{s: s, seed: seed, run: DemoRunID}
	bc := b.styleStudy("fit/brightness-contrast/cg-to-real", "brightness-contrast", "cg-to-real", 60, map[string]string{
		keys.AttrPlanted: mustJSON(Planted),
	})
	rc := b.styleStudy("fit/brightness-contrast/real-to-cg", "brightness-contrast", "real-to-cg", 20, nil)
	patch := b.patchStudy("fit/patch-brightness-contrast/cg-to-real", 8, 8, 10)
	blur := b.blurStudy("fit/blur/cg-to-real", 15)
	var content []int
	for _, sampler := range []string{"tpe", "cmaes", "random"} {
		for seedN := 1; seedN <= 3; seedN++ {
			content = append(content, b.contentStudy("exp2.1", 1, sampler, seedN, 25))
		}
	}
	content = append(content,
		b.contentStudy("exp2.1", 2, "tpe", 1, 15),
		b.contentStudy("exp2.1", 2, "tpe", 2, 15),
		b.contentStudy("exp2.1", 2, "cmaes", 1, 15))

	studies := append([]int{bc, rc, patch, blur}, content...)
	stageNames := []string{
		"dataset/cg", "dataset/real", "discriminator/style", "discriminator/content",
		"fit/brightness-contrast/cg-to-real", "fit/brightness-contrast/real-to-cg",
		"fit/patch-brightness-contrast/cg-to-real", "fit/blur/cg-to-real",
		"search/exp2.1/round-1", "search/exp2.1/round-2", "segmentation/baseline",
		"segmentation/proposal-1", "segmentation/proposal-2", "report",
	}
	var stageKeys []string
	for i, name := range stageNames {
		st := tracker.Stage{
			Key: stageKey(name), Name: name, RunID: DemoRunID, Status: "done",
			Started: epoch.Add(time.Duration(i) * time.Minute), Ended: epoch.Add(time.Duration(i+1) * time.Minute),
		}
		for _, id := range studies {
			if sum := s.studies[id-1]; sum.UserAttrs[keys.AttrStage] == name || strings.HasPrefix(sum.UserAttrs[keys.AttrStage], name+"/") {
				st.Studies = append(st.Studies, id)
			}
		}
		if name == "discriminator/style" {
			st.Metrics = map[string]float64{"accuracy": 0.997} // relative key, merged as discriminator/style/accuracy
		}
		switch name {
		case "discriminator/style": // per-epoch curves, the held-out loss turning up at the end
			st.Attrs = map[string]string{keys.StageAttrEpochs: keys.FormatEpochCurves(keys.EpochCurves{
				TrainLoss: []float64{0.66, 0.41, 0.22, 0.12, 0.07, 0.04}, TestLoss: []float64{0.67, 0.45, 0.27, 0.19, 0.18, 0.21},
				TrainAccuracy: []float64{0.62, 0.83, 0.93, 0.97, 0.99, 0.995}, TestAccuracy: []float64{0.6, 0.8, 0.9, 0.93, 0.94, 0.93}})}
		case "segmentation/baseline":
			st.Attrs = map[string]string{keys.StageAttrEpochs: keys.FormatEpochCurves(keys.EpochCurves{TrainLoss: []float64{1.2, 0.8, 0.61, 0.52}})}
		}
		stageKeys = append(stageKeys, st.Key)
		s.AddStage(st)
	}
	s.AddRun(tracker.Run{
		ID: DemoRunID, Name: "demo", Spec: DemoSpec, SpecSHA256: sha(DemoSpec), Seed: seed, Profile: "ci", Workers: 2,
		Status: tracker.RunSucceeded, Started: epoch, Ended: epoch.Add(time.Duration(len(stageNames)) * time.Minute),
		GoVersion: "go1.26.8", ModuleVersion: "v0.1.0", VCSRevision: "0123456789abcdef0123456789abcdef01234567",
		CPUModel: "Test CPU @ 2.0GHz", Studies: studies[:len(studies)-1], // the last study is found by its attributes
		Stages: stageKeys,
		Metrics: map[string]float64{
			"discriminator/content/accuracy":   1,
			"fit/hsv/cg-to-real/success_rate":  0.2,
			"fit/hsv/cg-to-real/images":        50,
			"fit/hsv/cg-to-real/mean_steps":    100,
			"search/exp2/round-1/best_loss":    0.4121,
			"search/exp2/round-1/success_rate": 0.31,
			"search/exp2/round-1/trials":       100,
			// content truth (issue 14 item 6): the published shelf sequence
			// and an overconfident exp1 discriminator, in two blocks.
			"search/exp2/round-1/shelf_images":                          10,
			"search/exp2/round-1/shelf_called":                          7,
			"search/exp2/round-1/shelf_top_level":                       0.8,
			"search/exp2/round-1/shelf_bottom_level":                    0.1,
			"search/exp2/round-1/shelf_top":                             0.9,
			"search/exp2/round-1/shelf_bottom":                          0.2,
			"search/exp2/round-1/shelf_top_kind":                        1,
			"search/exp2/round-1/shelf_top_pose":                        0.9,
			"search/exp2/round-1/shelf_bottom_kind":                     0.6,
			"search/exp2/round-1/shelf_bottom_pose":                     0.3,
			"search/exp2/round-2/shelf_images":                          10,
			"search/exp2/round-2/shelf_called":                          2,
			"search/exp2/round-2/shelf_top_level":                       0.3,
			"search/exp2/round-2/shelf_bottom_level":                    0.6,
			"search/exp2/round-2/shelf_top":                             0.4,
			"search/exp2/round-2/shelf_bottom":                          0.7,
			"search/exp2/round-2/shelf_top_kind":                        0.8,
			"search/exp2/round-2/shelf_top_pose":                        0.6,
			"search/exp2/round-2/shelf_bottom_kind":                     0.9,
			"search/exp2/round-2/shelf_bottom_pose":                     0.8,
			"search/exp1/round-1/truth_trials":                          40,
			"search/exp1/round-1/called_standing":                       36,
			"search/exp1/round-1/called_standing_vertical":              0.25,
			"search/exp1/round-1/vertical":                              0.25,
			"search/exp1/round-1/trials-1-20/truth_trials":              20,
			"search/exp1/round-1/trials-1-20/called_standing":           18,
			"search/exp1/round-1/trials-1-20/called_standing_vertical":  0.1111111111111111,
			"search/exp1/round-1/trials-1-20/vertical":                  0.1,
			"search/exp1/round-1/trials-21-40/truth_trials":             20,
			"search/exp1/round-1/trials-21-40/called_standing":          18,
			"search/exp1/round-1/trials-21-40/called_standing_vertical": 0.3888888888888889,
			"search/exp1/round-1/trials-21-40/vertical":                 0.4,
			"segmentation/baseline/AP":                                  0.412,
			"segmentation/baseline/AP50":                                0.703,
			"segmentation/baseline/AP75":                                0.431,
			"segmentation/proposal-1/AP":                                0.425,
			"segmentation/proposal-1/AP50":                              0.711,
			"segmentation/proposal-1/AP75":                              0.447,
			"segmentation/proposal-2/AP":                                0.418,
			"segmentation/proposal-2/AP50":                              0.702,
			"segmentation/proposal-2/AP75":                              0.44,
			"fit/brightness-contrast/cg-to-real/x":                      1, // an unknown measure: ignored
		},
	})
	addHostileRun(s)
	return s
}

func addHostileRun(s *Store) {
	id := s.AddStudy("run-2/fit/"+Hostile, map[string]string{
		keys.AttrRun: "2", keys.AttrKind: "style", keys.AttrManipulation: Hostile, keys.AttrDirection: "cg-to-real",
		keys.AttrThreshold: "not-a-number", keys.AttrSeed: "7",
	})
	s.AddTrial(id, goptuna.FrozenTrial{
		State: goptuna.TrialStateComplete, Value: 0.5,
		InternalParams: map[string]float64{"blur<i>": 0.3},
		Params:         map[string]any{"blur<i>": 0.3},
		Distributions:  map[string]any{"blur<i>": goptuna.UniformDistribution{Low: 0, High: 1}},
		UserAttrs:      map[string]string{keys.TrialSuccess: "true", "note": Hostile, keys.TrialSource: "zz"},
		DatetimeStart:  epoch, DatetimeComplete: epoch.Add(time.Second),
	})
	s.AddRun(tracker.Run{
		ID: HostileRunID, Name: Hostile, Spec: "name = \"" + Hostile + "\"\n", SpecSHA256: sha(Hostile), Seed: 7,
		Profile: Hostile, Status: tracker.RunRunning, Started: epoch.Add(time.Hour), Studies: []int{id},
		Metrics: map[string]float64{"discriminator/" + Hostile + "/accuracy": 0.5},
	})
}

func stageKey(name string) string { return sha("stage " + name) }

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

type builder struct {
	s    *Store
	seed uint64
	run  int
}

func (b *builder) attrs(stage string, extra map[string]string) map[string]string {
	m := map[string]string{keys.AttrRun: strconv.Itoa(b.run), keys.AttrStage: stage}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func (b *builder) image(data []byte, stage, name string) string {
	id := b.s.AddArtifact(data, tracker.ArtifactMeta{Kind: "image", MediaType: "image/png", RunID: b.run, Stage: stage, Name: name})
	return id.String()
}

func f(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func uniform(lo, hi float64) goptuna.UniformDistribution {
	return goptuna.UniformDistribution{Low: lo, High: hi}
}

// styleTrial adds a style trial with its loss curve; conf is the final
// real-class confidence.
func (b *builder) styleTrial(study int, params map[string]float64, ranges map[string][2]float64, r *rng, conf float64, threshold float64, attrs map[string]string) {
	steps := 5 + r.intn(36)
	if conf < threshold {
		steps = 60 // failures run to the step limit
	}
	value := -math.Log(conf)
	iv := map[int]float64{}
	start := 2.5 + r.float()
	for k := 0; k <= steps; k++ {
		frac := float64(k) / float64(steps)
		iv[k] = start + (value-start)*math.Sqrt(frac)
	}
	t := goptuna.FrozenTrial{
		State: goptuna.TrialStateComplete, Value: value, IntermediateValues: iv,
		InternalParams: map[string]float64{}, Params: map[string]any{}, Distributions: map[string]any{},
		UserAttrs: map[string]string{
			keys.TrialSuccess: strconv.FormatBool(conf >= threshold), keys.TrialConfidence: f(conf), keys.TrialSteps: strconv.Itoa(steps),
		},
		DatetimeStart: epoch, DatetimeComplete: epoch.Add(time.Second),
	}
	for k, v := range params {
		rg := ranges[k]
		v = math.Max(rg[0], math.Min(rg[1], v))
		t.InternalParams[k], t.Params[k], t.Distributions[k] = v, v, uniform(rg[0], rg[1])
	}
	for k, v := range attrs {
		t.UserAttrs[k] = v
	}
	b.s.AddTrial(study, t)
}

var channels = []string{"r", "g", "b"}

// styleStudy adds a brightness/contrast study. cg-to-real fits scatter around
// Planted; real-to-cg fits record a per-image planted gap and recover 80% of it.
func (b *builder) styleStudy(stage, manipulation, direction string, images int, extra map[string]string) int {
	r := newRNG(b.seed, stage)
	id := b.s.AddStudy(keys.StudyName(b.run, stage), b.attrs(stage, merge(map[string]string{
		keys.AttrKind: "style", keys.AttrManipulation: manipulation, keys.AttrDirection: direction,
		keys.AttrSeed: strconv.FormatUint(b.seed+uint64(len(stage)), 10), keys.AttrThreshold: "0.5",
	}, extra)))
	ranges := map[string][2]float64{}
	for _, c := range channels {
		ranges["brightness_"+c] = [2]float64{-0.5, 0.5}
		ranges["contrast_"+c] = [2]float64{-0.5, 0.5}
	}
	for i := range images {
		params := map[string]float64{}
		attrs := map[string]string{keys.TrialImage: strconv.Itoa(i)}
		var bv, cv [3]float64
		perImage := map[string]float64{}
		for ci, c := range channels {
			pb, pc := Planted["brightness_"+c], Planted["contrast_"+c]
			if direction == "real-to-cg" {
				pb, pc = -pb*(0.5+r.float()), -pc*(0.5+r.float())
				perImage["brightness_"+c], perImage["contrast_"+c] = pb, pc
				bv[ci], cv[ci] = 0.8*pb+0.01*r.norm(), 0.8*pc+0.01*r.norm()
			} else {
				bv[ci], cv[ci] = pb+0.03*r.norm(), pc+0.04*r.norm()
			}
			params["brightness_"+c], params["contrast_"+c] = bv[ci], cv[ci]
		}
		if direction == "real-to-cg" {
			attrs[keys.TrialPlanted] = mustJSON(perImage)
		}
		conf := 0.5 + 0.45*r.float()
		if r.float() < 0.15 {
			conf = 0.1 + 0.38*r.float()
		}
		bottle := color.RGBA{uint8(60 + r.intn(150)), uint8(60 + r.intn(150)), uint8(60 + r.intn(150)), 255}
		src := scene(r.float()-0.5, r.float()-0.5, 0.3*r.norm(), bottle, [3]float64{0, 0.08, 0})
		out := brightnessContrast(src, bv, cv)
		attrs[keys.TrialSource] = b.image(encodePNG(src), stage, fmt.Sprintf("cg %d", i))
		attrs[keys.TrialResult] = b.image(encodePNG(out), stage, fmt.Sprintf("cg %d manipulated", i))
		b.styleTrial(id, params, ranges, r, conf, 0.5, attrs)
	}
	return id
}

// patchStudy adds a patch brightness/contrast study whose fitted brightness
// darkens the wall (top rows) and brightens the shelf (bottom rows).
func (b *builder) patchStudy(stage string, rows, cols, images int) int {
	r := newRNG(b.seed, stage)
	id := b.s.AddStudy(keys.StudyName(b.run, stage), b.attrs(stage, map[string]string{
		keys.AttrKind: "style", keys.AttrManipulation: "patch-brightness-contrast", keys.AttrDirection: "cg-to-real",
		keys.AttrSeed: "11", keys.AttrGrid: fmt.Sprintf("%dx%d", rows, cols),
	}))
	ranges := map[string][2]float64{}
	for i := range images {
		params := map[string]float64{}
		for row := range rows {
			for col := range cols {
				bn, cn := fmt.Sprintf("brightness_%d_%d", row, col), fmt.Sprintf("contrast_%d_%d", row, col)
				ranges[bn], ranges[cn] = [2]float64{-0.5, 0.5}, [2]float64{-0.5, 0.5}
				base := -0.1 + 0.2*float64(row)/float64(rows-1) + 0.03*math.Cos(float64(col))
				params[bn] = base + 0.02*r.norm()
				params[cn] = -0.05 + 0.02*r.norm()
			}
		}
		conf := 0.45 + 0.5*r.float()
		b.styleTrial(id, params, ranges, r, conf, 0.5, map[string]string{keys.TrialImage: strconv.Itoa(i)})
	}
	return id
}

func (b *builder) blurStudy(stage string, images int) int {
	r := newRNG(b.seed, stage)
	id := b.s.AddStudy(keys.StudyName(b.run, stage), b.attrs(stage, map[string]string{
		keys.AttrKind: "style", keys.AttrManipulation: "blur", keys.AttrDirection: "cg-to-real", keys.AttrSeed: "12",
		keys.AttrThreshold: "0.6",
	}))
	ranges := map[string][2]float64{"sigma": {0, 3}}
	for i := range images {
		conf := 0.55 + 0.4*r.float()
		b.styleTrial(id, map[string]float64{"sigma": math.Abs(0.8 + 0.3*r.norm())}, ranges, r, conf, 0.6,
			map[string]string{keys.TrialImage: strconv.Itoa(i)})
	}
	return id
}

// samplerFloor is the loss each sampler's search tends to, so that CMA-ES
// wins, as in the published experiment 2.1 after changing the sampler.
var samplerFloor = map[string]float64{"tpe": 0.72, "cmaes": 0.45, "random": 0.85}

var products = []string{"bottle-small", "bottle-large", "can"}

func (b *builder) contentStudy(search string, round int, sampler string, seed, trials int) int {
	stage := keys.SearchStage(search, round, sampler, int64(seed))
	name := keys.StudyName(b.run, stage)
	r := newRNG(b.seed, name)
	id := b.s.AddStudy(name, b.attrs(stage, map[string]string{
		keys.AttrKind: "content", keys.AttrSampler: sampler, keys.AttrSeed: strconv.Itoa(seed),
		keys.AttrRound: strconv.Itoa(round), keys.AttrThreshold: "0.5",
	}))
	floor := samplerFloor[sampler] + 0.05*float64(round-1)
	for n := range trials {
		x, y, rot := r.float()-0.5, r.float()-0.5, 360*r.float()-180
		prod := r.intn(len(products))
		value := floor + 1.6*math.Exp(-float64(n)/6)*r.float() + 0.08*r.float()
		conf := math.Exp(-value)
		t := goptuna.FrozenTrial{
			State: goptuna.TrialStateComplete, Value: value,
			InternalParams: map[string]float64{"pos_x": x, "pos_y": y, "rot_z": rot, "product": float64(prod)},
			Params:         map[string]any{"pos_x": x, "pos_y": y, "rot_z": rot, "product": products[prod]},
			Distributions: map[string]any{"pos_x": uniform(-0.5, 0.5), "pos_y": uniform(-0.5, 0.5),
				"rot_z": uniform(-180, 180), "product": goptuna.CategoricalDistribution{Choices: append([]string(nil), products...)}},
			UserAttrs: map[string]string{
				keys.TrialSuccess: strconv.FormatBool(conf >= 0.5), keys.TrialConfidence: f(conf),
			},
			SystemAttrs:   map[string]string{keys.TrialSlot: strconv.Itoa(n)},
			DatetimeStart: epoch, DatetimeComplete: epoch.Add(time.Second),
		}
		if sampler == "random" && seed == 2 && n == 3 {
			t = goptuna.FrozenTrial{State: goptuna.TrialStateFail, DatetimeStart: epoch, DatetimeComplete: epoch.Add(time.Second)}
		} else {
			bottle := []color.RGBA{{40, 120, 200, 255}, {200, 60, 40, 255}, {180, 180, 40, 255}}[prod]
			img := scene(x, y, rot*math.Pi/180, bottle, [3]float64{})
			t.UserAttrs[keys.TrialResult] = b.image(encodePNG(img), stage, fmt.Sprintf("%s seed %d trial %d", sampler, seed, n))
		}
		b.s.AddTrial(id, t)
	}
	if round == 2 && sampler == "cmaes" {
		b.s.AddTrial(id, goptuna.FrozenTrial{State: goptuna.TrialStateRunning, DatetimeStart: epoch})
	}
	return id
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

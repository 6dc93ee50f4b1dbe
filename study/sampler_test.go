package study

import (
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParzenMatchesOptuna(t *testing.T) {
	// Expected values worked by hand from Optuna 2.x's _ParzenEstimator
	// (consider_prior, prior_weight 1, magic clip, no endpoints).
	tests := []struct {
		name      string
		obs       []float64
		low, high float64
		want      parzen
	}{
		{"prior only", nil, 0, 1, parzen{weights: []float64{1}, mus: []float64{0.5}, sigmas: []float64{1}, low: 0, high: 1}},
		{"prior in the middle", []float64{0.9, 0.1, 0.5}, 0, 1, parzen{
			weights: []float64{0.25, 0.25, 0.25, 0.25}, mus: []float64{0.1, 0.5, 0.5, 0.9},
			sigmas: []float64{0.4, 1, 0.4, 0.4}, low: 0, high: 1}},
		{"prior last", []float64{0.2, 0.1}, 0, 1, parzen{
			weights: []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, mus: []float64{0.1, 0.2, 0.5},
			sigmas: []float64{0.25, 0.3, 1}, low: 0, high: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.obs)
			got := newParzen(in, tc.low, tc.high)
			got.logCoef, got.logAccept = nil, 0 // derived fields, checked by TestParzenDensitiesNormalise
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(parzen{}), cmpopts.EquateApprox(0, 1e-12)); d != "" {
				t.Errorf("newParzen (-want +got):\n%s", d)
			}
			if !slices.Equal(in, tc.obs) {
				t.Errorf("newParzen modified its input: %v, was %v", in, tc.obs)
			}
		})
	}
}

func TestParzenDensitiesNormalise(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for trial := 0; trial < 5; trial++ {
		obs := make([]float64, 1+rng.Intn(30))
		for i := range obs {
			obs[i] = -2 + 5*rng.Float64()
		}
		p := newParzen(obs, -2, 3)
		const n = 20000
		var integral float64
		h := 5.0 / n
		for i := 0; i <= n; i++ {
			w := 1.0
			if i == 0 || i == n {
				w = 0.5
			}
			integral += w * h * math.Exp(p.logPDF(-2+float64(i)*h, nil))
		}
		if math.Abs(integral-1) > 1e-3 {
			t.Errorf("seed 3 case %d: density integrates to %v, want 1", trial, integral)
		}
		q := newParzen(obs, -2.5, 3.5) // an int parameter on [-2, 3]
		var mass float64
		for k := -2; k <= 3; k++ {
			mass += math.Exp(q.logMass(float64(k)-0.5, float64(k)+0.5))
		}
		if math.Abs(mass-1) > 1e-6 {
			t.Errorf("seed 3 case %d: integer masses sum to %v, want 1", trial, mass)
		}
	}
}

func TestTPEWeights(t *testing.T) {
	tests := []struct {
		n    int
		want []float64
	}{
		{0, []float64{}},
		{3, []float64{1, 1, 1}},
		{26, append([]float64{1.0 / 26}, ones(25)...)},
		{28, append([]float64{1.0 / 28, 1.0/28 + (1-1.0/28)/2, 1}, ones(25)...)},
	}
	for _, tc := range tests {
		if d := cmp.Diff(tc.want, tpeWeights(tc.n), cmpopts.EquateApprox(0, 1e-12), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("tpeWeights(%d) (-want +got):\n%s", tc.n, d)
		}
	}
}

func ones(n int) []float64 {
	o := make([]float64, n)
	for i := range o {
		o[i] = 1
	}
	return o
}

// history builds observations of testSpace whose value is the distance of x
// to 0.7 plus 1 unless kind is "can" (index 1).
func syntheticHistory(n int, seed int64) []observation {
	rng := rand.New(rand.NewSource(seed))
	out := make([]observation, n)
	for i := range out {
		x, kind := -1+2*rng.Float64(), float64(rng.Intn(3))
		v := math.Abs(x - 0.7)
		if kind != 1 {
			v++
		}
		out[i] = observation{slot: i, value: v, generation: -1, params: map[string]float64{
			"x": x, "scale": math.Exp(math.Log(1e-3) + rng.Float64()*math.Log(1e4)), "n": float64(rng.Intn(9)), "kind": kind}}
	}
	return out
}

func propose(t *testing.T, s sampler, history []observation, seeds int) []proposal {
	t.Helper()
	next, err := s.batch(history)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]proposal, seeds)
	for i := range out {
		if out[i], err = next(int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// proposeEach proposes each seed from its own batch (no pending proposals).
func proposeEach(t *testing.T, s sampler, history []observation, seeds int) []proposal {
	t.Helper()
	out := make([]proposal, seeds)
	for i := range out {
		next, err := s.batch(history)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = next(int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestTPEFollowsTheGoodTrials(t *testing.T) {
	space := testSpace(t)
	tpe, _ := newSampler(SamplerTPE, space)
	rnd, _ := newSampler(SamplerRandom, space)
	medianDist := func(ps []proposal) float64 {
		d := make([]float64, len(ps))
		for i, p := range ps {
			d[i] = math.Abs(p.params["x"] - 0.7)
		}
		slices.Sort(d)
		return d[len(d)/2]
	}
	countCan := func(ps []proposal) (n int) {
		for _, p := range ps {
			if p.params["kind"] == 1 {
				n++
			}
		}
		return n
	}

	// Value depends on x alone: TPE proposals gather around x = 0.7.
	onlyX := syntheticHistory(40, 1)
	for i := range onlyX {
		onlyX[i].value = math.Abs(onlyX[i].params["x"] - 0.7)
	}
	if td, rd := medianDist(proposeEach(t, tpe, onlyX, 200)), medianDist(propose(t, rnd, onlyX, 200)); td > 0.05 || rd < 0.3 {
		t.Errorf("median |x-0.7|: TPE %.3f (want <= 0.05), random %.3f (want >= 0.3)", td, rd)
	}
	// Value dominated by the category: TPE favours "can".
	mixed := syntheticHistory(40, 1)
	if tc, rc := countCan(proposeEach(t, tpe, mixed, 200)), countCan(propose(t, rnd, mixed, 200)); tc < 2*rc {
		t.Errorf("TPE picked the good category %d/200 times, random %d/200", tc, rc)
	}
	for _, p := range propose(t, tpe, mixed, 50) {
		for _, q := range space.params {
			if v := p.params[q.Name]; q.clampInternal(v) != v {
				t.Fatalf("TPE proposed %s = %v outside its domain", q.Name, v)
			}
		}
	}
}

func TestTPEStartsRandomAndIsAPureFunction(t *testing.T) {
	space := testSpace(t)
	tpe, _ := newSampler(SamplerTPE, space)
	rnd, _ := newSampler(SamplerRandom, space)
	short := syntheticHistory(tpeStartupTrials-1, 2)
	if d := cmp.Diff(propose(t, rnd, short, 5), propose(t, tpe, short, 5), cmp.AllowUnexported(proposal{})); d != "" {
		t.Errorf("TPE start-up proposals differ from random ones with the same seeds:\n%s", d)
	}
	long := syntheticHistory(30, 2)
	a, b := propose(t, tpe, long, 5), propose(t, tpe, slices.Clone(long), 5)
	if d := cmp.Diff(a, b, cmp.AllowUnexported(proposal{})); d != "" {
		t.Errorf("same history and seeds, different proposals:\n%s", d)
	}
	if cmp.Equal(a[0], a[1], cmp.AllowUnexported(proposal{})) {
		t.Error("different trial seeds gave the same proposal")
	}
}

func TestRandomSamplerCoversTheDomain(t *testing.T) {
	space, err := NewSpace(Int("n", -2, 1), LogFloat("s", 1e-2, 1e2), Float("x", 3, 4), Categorical("k", "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	rnd, _ := newSampler(SamplerRandom, space)
	seen := map[float64]int{}
	var logs []float64
	for _, p := range propose(t, rnd, nil, 4000) {
		seen[p.params["n"]]++
		logs = append(logs, math.Log10(p.params["s"]))
		if x := p.params["x"]; x < 3 || x > 4 {
			t.Fatalf("x = %v outside [3, 4]", x)
		}
	}
	for n := -2.0; n <= 1; n++ {
		if seen[n] < 800 {
			t.Errorf("int value %v drawn %d/4000 times, want about 1000", n, seen[n])
		}
	}
	slices.Sort(logs)
	if med := logs[len(logs)/2]; math.Abs(med) > 0.15 || logs[0] < -2 || logs[len(logs)-1] > 2 {
		t.Errorf("log-uniform on [1e-2, 1e2]: median log10 %v (want about 0), range [%v, %v]", med, logs[0], logs[len(logs)-1])
	}
}

func TestCMAESReplaysGenerations(t *testing.T) {
	space := testSpace(t) // 3 numerical parameters: population 7
	cma, _ := newSampler(SamplerCMAES, space)
	if got := CMAESPopulation(space); got != 7 {
		t.Fatalf("CMAESPopulation = %d, want 7", got)
	}
	withGen := func(obs []observation, gen int) []observation {
		out := slices.Clone(obs)
		for i := range out {
			out[i].generation = gen
		}
		return out
	}
	gen0 := withGen(syntheticHistory(9, 4), 0)
	tests := []struct {
		name    string
		history []observation
		wantGen string // "" for random sampling
	}{
		{"first batch is random", nil, ""},
		{"untold generation", withGen(syntheticHistory(6, 4), 0), "0"},
		{"full generation told", gen0[:7], "1"},
		{"extra members ignored", gen0, "1"},
		{"random start-up trials ignored", withGen(syntheticHistory(5, 4), -1), "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := propose(t, cma, tc.history, 8)
			for _, p := range ps {
				if p.attrs[attrGeneration] != tc.wantGen {
					t.Fatalf("generation attribute %q, want %q", p.attrs[attrGeneration], tc.wantGen)
				}
				if n := p.params["n"]; n != math.Round(n) || n < 0 || n > 8 {
					t.Fatalf("int parameter n = %v", n)
				}
			}
		})
	}
	// Members past the population of a told generation do not change the state.
	if d := cmp.Diff(propose(t, cma, gen0[:7], 4), propose(t, cma, gen0, 4), cmp.AllowUnexported(proposal{})); d != "" {
		t.Errorf("extra generation-0 members changed the proposals:\n%s", d)
	}
	// A told generation moves the search distribution.
	if cmp.Equal(propose(t, cma, gen0[:6], 4), propose(t, cma, gen0[:7], 4), cmp.AllowUnexported(proposal{})) {
		t.Error("telling generation 0 did not change the proposals")
	}

	one, err := NewSpace(Float("x", 0, 1), Categorical("k", "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	cma1, _ := newSampler(SamplerCMAES, one)
	h := []observation{{slot: 0, value: 1, generation: -1, params: map[string]float64{"x": 0.5, "k": 0}}}
	if p := propose(t, cma1, h, 1)[0]; p.attrs[attrGeneration] != "" {
		t.Errorf("one numerical parameter: CMA-ES used (generation %q), want random sampling", p.attrs[attrGeneration])
	}
}

func TestTPEConstantLiarSpreadsABatch(t *testing.T) {
	space := testSpace(t)
	tpe, _ := newSampler(SamplerTPE, space)
	history := syntheticHistory(20, 6)
	for i := range history {
		history[i].value = math.Abs(history[i].params["x"] - 0.7)
	}
	batch, each := propose(t, tpe, history, 16), proposeEach(t, tpe, history, 16)
	if d := cmp.Diff(each[0], batch[0], cmp.AllowUnexported(proposal{})); d != "" {
		t.Errorf("the first slot of a batch has nothing pending, yet differs from an independent proposal:\n%s", d)
	}
	spread := func(ps []proposal) float64 {
		var mean, sq float64
		for _, p := range ps {
			mean += p.params["x"] / float64(len(ps))
		}
		for _, p := range ps {
			sq += (p.params["x"] - mean) * (p.params["x"] - mean) / float64(len(ps))
		}
		return math.Sqrt(sq)
	}
	if sb, se := spread(batch), spread(each); sb < 2*se {
		t.Errorf("std of x over a batch of 16 = %.3f, over 16 independent proposals %.3f: the batch does not spread out", sb, se)
	}
}

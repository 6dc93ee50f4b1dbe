package experiments

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cgx-dev/cgx/internal/keys"
)

var (
	nameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9._/-]*$`)
	profileRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

// clip shortens s for an error message: at most 60 bytes of it (cut at a
// rune boundary) and its length, so a huge value is never printed whole.
func clip(s string) string {
	const keep = 60
	if len(s) <= keep {
		return s
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:cut], len(s))
}

// controlChar returns the first control character of s other than newline
// and tab, and whether there is one.
func controlChar(s string) (rune, bool) {
	i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' })
	if i < 0 {
		return 0, false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r, true
}

// validate checks every value of s; prefix is "" for the base spec or
// "profiles.NAME" so that errors point at the key that set the value (the
// profile's line when the profile set it, the base line otherwise).
func (f *File) validate(s Spec, prefix string) error {
	v := validator{f: f, prefix: prefix}
	v.check("name", s.Name != "", "missing; give the experiment a name such as \"style/blur\"")
	v.check("name", len(s.Name) <= MaxNameBytes, "is %d bytes long; the limit is %d: give a short name such as \"style/blur\"",
		len(s.Name), MaxNameBytes)
	v.check("name", s.Name == "" || nameRE.MatchString(s.Name), "%q may use only a-z, 0-9, '.', '_', '-' and '/'", clip(s.Name))
	v.check("description", len(s.Description) <= MaxDescriptionBytes,
		"is %d bytes long; the limit is %d: keep it to a paragraph and put the rest in a comment", len(s.Description), MaxDescriptionBytes)
	if r, bad := controlChar(s.Description); bad {
		v.check("description", false, "holds the control character %U; only text, newlines and tabs are allowed", r)
	}
	v.check("workers", s.Workers >= 0 && s.Workers <= 256, "%d is out of range; use 0 (all cores) to 256", s.Workers)

	v.dataset("datasets.cg", s.Datasets.CG)
	v.dataset("datasets.real", s.Datasets.Real)
	if s.Kind == KindSegmentation {
		v.dataset("datasets.eval", s.Datasets.Eval)
	}
	v.discriminator(s)
	switch s.Kind {
	case KindStyle:
		v.style(s.Style, s.Datasets)
	case KindContent:
		v.content(s)
	case KindSegmentation:
		v.style(s.Style, s.Datasets)
		v.segmentation(s)
	}
	return v.err
}

type validator struct {
	f      *File
	prefix string
	err    error
}

// check records the first failed condition as an error on key.
func (v *validator) check(key string, ok bool, format string, a ...any) {
	if ok || v.err != nil {
		return
	}
	at := key
	if v.prefix != "" && v.f.lines[v.prefix+"."+key] > 0 {
		at = v.prefix + "." + key
	}
	v.err = v.f.errorf(at, format, a...)
}

func (v *validator) oneOf(key, value string, allowed []string) {
	v.check(key, slices.Contains(allowed, value), "%q is not allowed; use one of %s", clip(value), quoteList(allowed))
}

func (v *validator) subset(key string, values, allowed []string) {
	v.check(key, len(values) > 0, "is empty; list at least one of %s", quoteList(allowed))
	seen := map[string]bool{}
	for _, x := range values {
		v.oneOf(key, x, allowed)
		v.check(key, !seen[x], "%q is listed twice", clip(x))
		seen[x] = true
	}
}

func (v *validator) intIn(key string, x, lo, hi int) {
	v.check(key, x >= lo && x <= hi, "%d is out of range; use %d to %d", x, lo, hi)
}

func (v *validator) floatIn(key string, x, lo, hi float64, openLo bool) {
	ok := !math.IsNaN(x) && x <= hi && (x > lo || (!openLo && x == lo))
	bracket := "["
	if openLo {
		bracket = "("
	}
	v.check(key, ok, "%g is out of range; use a value in %s%g, %g]", x, bracket, lo, hi)
}

func (v *validator) dataset(key string, d Dataset) {
	v.oneOf(key+".source", d.Source, Sources)
	v.intIn(key+".size", d.Size, 32, 512)
	switch d.Source {
	case "generate":
		v.oneOf(key+".generator", d.Generator, Generators)
		v.oneOf(key+".domain", d.Domain, Domains)
		v.intIn(key+".count", d.Count, 2, 1_000_000)
		v.check(key+".path", d.Path == "", "is only for source = \"folder\"")
		v.check(key+".policy", d.Policy == "", "is only for source = \"folder\"")
	case "folder":
		v.check(key+".path", d.Path != "", "missing; name the directory of PNG/JPEG images")
		v.path(key+".path", d.Path)
		v.path(key+".masks", d.Masks)
		if d.Policy != "" {
			v.oneOf(key+".policy", d.Policy, Policies)
		}
	}
}

// path checks a folder path's size and that it holds no control character.
func (v *validator) path(key, p string) {
	v.check(key, len(p) <= MaxPathBytes, "is %d bytes long; the limit is %d", len(p), MaxPathBytes)
	if r, bad := controlChar(p); bad || strings.ContainsAny(p, "\n\t") {
		if !bad {
			r, _ = utf8.DecodeRuneInString(p[strings.IndexAny(p, "\n\t"):])
		}
		v.check(key, false, "holds the control character %U; rename the folder or fix the path", r)
	}
}

func (v *validator) discriminator(s Spec) {
	d := s.Discriminator
	v.intIn("discriminator.width", d.Width, 4, 256)
	v.intIn("discriminator.depth", d.Depth, 1, 6)
	v.intIn("discriminator.epochs", d.Epochs, 1, 1000)
	v.intIn("discriminator.batch_size", d.BatchSize, 1, 4096)
	v.floatIn("discriminator.learning_rate", d.LearningRate, 0, 1, true)
	v.floatIn("discriminator.test_fraction", d.TestFraction, 0, 0.9, true)
	for _, ds := range []struct {
		key string
		d   Dataset
	}{{"datasets.cg.size", s.Datasets.CG}, {"datasets.real.size", s.Datasets.Real}} {
		v.check(ds.key, ds.d.Size%(1<<d.Depth) == 0, "%d must be divisible by 2^depth = %d (discriminator.depth = %d)",
			ds.d.Size, 1<<d.Depth, d.Depth)
	}
	v.check("datasets.real.size", s.Datasets.CG.Size == s.Datasets.Real.Size,
		"%d differs from datasets.cg.size %d; the discriminator needs one input size", s.Datasets.Real.Size, s.Datasets.CG.Size)
}

func (v *validator) style(st Style, ds Datasets) {
	v.subset("style.manipulations", st.Manipulations, Manipulations)
	v.subset("style.directions", st.Directions, Directions)
	v.intIn("style.images", st.Images, 1, 1_000_000)
	v.intIn("style.steps", st.Steps, 1, 100_000)
	v.floatIn("style.learning_rate", st.LearningRate, 0, 10, false)
	v.oneOf("style.optimizer", st.Optimizer, Optimizers)
	v.oneOf("style.stop", st.Stop, Stops)
	v.intIn("style.rounds", st.Rounds, 0, 10) // 0 (a spec stored before rounds existed) is one round
	if st.Rounds > 1 {
		v.floatIn("style.round_accuracy", st.RoundAccuracy, 0.5, 1, true)
	}
	v.floatIn("style.threshold", st.Threshold, 0, 1, true)
	v.check("style.threshold", st.Threshold < 1, "1 can never be reached; use a value below 1")
	v.floatIn("style.penalty", st.Penalty, 0, 1e6, false)
	v.intIn("style.batch_size", st.BatchSize, 1, 4096)
	v.check("style.grid", len(st.Grid) == 2, "want [rows, cols], got %d numbers", len(st.Grid))
	if len(st.Grid) == 2 {
		v.intIn("style.grid", st.Grid[0], 1, 64)
		v.intIn("style.grid", st.Grid[1], 1, 64)
		v.check("style.grid", st.Grid[0] <= ds.CG.Size && st.Grid[1] <= ds.CG.Size,
			"%dx%d has more cells than the %d px images have pixels", st.Grid[0], st.Grid[1], ds.CG.Size)
	}
}

func (v *validator) content(s Spec) {
	c := s.Content
	v.oneOf("content.experiment", c.Experiment, Experiments)
	v.subset("content.samplers", c.Samplers, Samplers)
	v.check("content.seeds", len(c.Seeds) > 0, "is empty; list at least one sampler seed")
	v.check("content.seeds", len(c.Seeds) <= MaxSeeds, "lists %d seeds; the limit is %d (each seed is one study per sampler)",
		len(c.Seeds), MaxSeeds)
	seen := map[int64]bool{}
	for _, x := range c.Seeds {
		v.check("content.seeds", !seen[x], "%d is listed twice", x)
		seen[x] = true
	}
	v.intIn("content.trials", c.Trials, 1, 1_000_000)
	v.intIn("content.batch_size", c.BatchSize, 1, max(1, c.Trials))
	v.intIn("content.mix_rounds", c.MixRounds, 0, 20)
	if c.MixRounds > 0 {
		v.intIn("content.mix_images", c.MixImages, 1, 1_000_000)
	}
	v.floatIn("content.threshold", c.Threshold, 0, 1, true)
	v.check("content.threshold", c.Threshold < 1, "1 can never be reached; use a value below 1")
	want := map[string][2]string{"exp1": {"exp1-lying", "exp1-standing"}, "exp2": {"exp2-random", "exp2-shelf"}}[c.Experiment]
	for i, ds := range []struct {
		key string
		d   Dataset
	}{{"datasets.cg", s.Datasets.CG}, {"datasets.real", s.Datasets.Real}} {
		if want[i] == "" || ds.d.Source != "generate" {
			continue
		}
		v.check(ds.key+".generator", ds.d.Generator == want[i],
			"%q does not match content.experiment %q; use %q", ds.d.Generator, c.Experiment, want[i])
	}
}

func (v *validator) segmentation(s Spec) {
	g := s.Segmentation
	v.intIn("segmentation.images", g.Images, 2, 1_000_000)
	v.intIn("segmentation.seeds", g.Seeds, 1, 100)
	v.check("segmentation.channels", len(g.Channels) >= 1 && len(g.Channels) <= 6, "has %d levels; use 1 to 6", len(g.Channels))
	for _, c := range g.Channels {
		v.check("segmentation.channels", c >= 1 && c <= 512, "%d channels is out of range; use 1 to 512", c)
	}
	if n := len(g.Channels); n >= 1 && n <= 6 && s.Datasets.CG.Size > 0 {
		v.check("segmentation.channels", s.Datasets.CG.Size%(1<<(n-1)) == 0,
			"%d levels need an image size divisible by %d (datasets.cg.size is %d)", n, 1<<(n-1), s.Datasets.CG.Size)
	}
	if s.Datasets.CG.Source == "generate" {
		v.check("segmentation.images", g.Images <= s.Datasets.CG.Count,
			"%d is more than datasets.cg.count %d", g.Images, s.Datasets.CG.Count)
	}
	v.intIn("segmentation.epochs", g.Epochs, 1, 1000)
	v.intIn("segmentation.batch_size", g.BatchSize, 1, 4096)
	v.floatIn("segmentation.learning_rate", g.LearningRate, 0, 1, true)
	v.check("segmentation.training_sets", len(g.TrainingSets) > 0, "is empty; list at least %q", keys.BaselineSet)
	seen := map[string]bool{}
	for _, ts := range g.TrainingSets {
		v.check("segmentation.training_sets", !seen[ts], "%q is listed twice", clip(ts))
		seen[ts] = true
		kind, m := parseTrainingSet(ts)
		switch kind {
		case setBaseline, setAugment:
		case setFitted:
			v.check("segmentation.training_sets", slices.Contains(Manipulations, m),
				"%q is not a training set: use %q, %q, a manipulation (%s), or one followed by %q or %q",
				clip(ts), keys.BaselineSet, AugmentSet, strings.Join(Manipulations, ", "), RoundsSuffix, StochasticSuffix)
			if slices.Contains(Manipulations, m) {
				v.check("segmentation.training_sets", slices.Contains(s.Style.Manipulations, m),
					"%q needs fitted parameters; add it to style.manipulations", ts)
			}
		case setRounds, setStochastic:
			v.check("segmentation.training_sets", slices.Contains(Manipulations, m),
				"%q: %q is not a manipulation; use one of %s", clip(ts), clip(m), strings.Join(Manipulations, ", "))
			if kind == setRounds {
				v.check("segmentation.training_sets", s.Style.Rounds >= 2,
					"%q needs style.rounds of at least 2 (it is %d)", clip(ts), s.Style.Rounds)
			}
		}
	}
}

package experiments

import (
	"slices"

	"github.com/BurntSushi/toml"

	"github.com/cgx-dev/cgx/blender/datasets"
	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/blender/style"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/manip"
	"github.com/cgx-dev/cgx/study"
)

// FormatVersion is the spec format this build reads. A spec's `format` key must
// equal it; specs written for a newer cgx are refused with a clear error.
const FormatVersion = 1

// Size limits of a spec (docs/SPEC.md). A spec holds settings, not data: the
// limits are far above any real spec and keep a mistaken or hostile file from
// being stored in every run record and printed whole in every message.
const (
	MaxSpecBytes        = 1 << 20 // the spec file
	MaxNameBytes        = 128     // name
	MaxDescriptionBytes = 4096    // description
	MaxPathBytes        = 4096    // datasets.*.path and datasets.*.masks
	MaxProfileNameBytes = 64      // the name of a [profiles.NAME] table
	MaxSeeds            = 1000    // content.seeds entries
)

// Kind names what an experiment does.
type Kind string

// The experiment kinds.
const (
	KindStyle        Kind = "style"        // fit interpretable manipulations per image
	KindContent      Kind = "content"      // search scene parameters through the renderer
	KindSegmentation Kind = "segmentation" // train on baseline and manipulated CG, score mask AP
)

// Kinds lists the kinds in documentation order.
var Kinds = []Kind{KindStyle, KindContent, KindSegmentation}

// Spec is one experiment as written in TOML (see docs/SPEC.md). After Resolve
// it holds the values of one profile; Profiles is then nil.
type Spec struct {
	Format      int    `toml:"format"`
	Name        string `toml:"name"`
	Kind        Kind   `toml:"kind"`
	Description string `toml:"description"`
	Seed        int64  `toml:"seed"`
	// Workers bounds parallelism; it never changes results. 0 means GOMAXPROCS.
	// The CLI's --workers overrides it.
	Workers int `toml:"workers"`

	Datasets      Datasets      `toml:"datasets"`
	Discriminator Discriminator `toml:"discriminator"`
	Style         Style         `toml:"style"`
	Content       Content       `toml:"content"`
	Segmentation  Segmentation  `toml:"segmentation"`

	// Profiles overlay keys of the spec by name ("smoke", "default", "paper").
	Profiles map[string]toml.Primitive `toml:"profiles"`
	// Profile is the name of the profile applied by Resolve ("" before).
	Profile string `toml:"-"`
}

// Datasets holds the experiment's image sets by role. Class 0 of the
// discriminator is CG, class 1 is Real; Eval is the held-out set with instance
// masks that segmentation is scored on.
type Datasets struct {
	CG   Dataset `toml:"cg"`
	Real Dataset `toml:"real"`
	Eval Dataset `toml:"eval"`
}

// Dataset is an image set that cgx renders or reads from a folder.
type Dataset struct {
	Source    string `toml:"source"`    // "generate" or "folder"
	Generator string `toml:"generator"` // generate: what scenes to render (see Generators)
	Domain    string `toml:"domain"`    // generate: style domain applied to renders ("cg" or "real")
	Count     int    `toml:"count"`     // generate: number of images
	Size      int    `toml:"size"`      // square image size in pixels
	Path      string `toml:"path"`      // folder: directory of PNG/JPEG images
	Masks     string `toml:"masks"`     // folder: optional masks (directory of PNG id maps or COCO JSON)
	Policy    string `toml:"policy"`    // folder: how mixed sizes become size x size: "crop", "pad", "stretch"
}

// Discriminator configures the CG-vs-real classifier and its training.
type Discriminator struct {
	Width        int     `toml:"width"` // channels of the first convolution
	Depth        int     `toml:"depth"` // number of conv+pool blocks
	Epochs       int     `toml:"epochs"`
	BatchSize    int     `toml:"batch_size"`
	LearningRate float64 `toml:"learning_rate"`
	TestFraction float64 `toml:"test_fraction"` // held out for accuracy
}

// Style configures per-image manipulation fitting.
type Style struct {
	Manipulations []string `toml:"manipulations"`
	Directions    []string `toml:"directions"`     // "cg-to-real", "real-to-cg"
	Images        int      `toml:"images"`         // images fitted per manipulation and direction
	Steps         int      `toml:"steps"`          // step limit per image
	LearningRate  float64  `toml:"learning_rate"`  // Adam step size (line search: first step); 0 uses each manipulation's default
	Optimizer     string   `toml:"optimizer"`      // "line-search" or "adam" (the published one); see Optimizers
	Stop          string   `toml:"stop"`           // when an image stops: "threshold" (published), "converge"; see Stops
	Threshold     float64  `toml:"threshold"`      // target-class confidence that counts as success (and stops an image under stop = "threshold")
	EarlyStop     bool     `toml:"early_stop"`     // false runs every image for the whole step budget (the published over-shooting), whatever stop says
	Penalty       float64  `toml:"penalty"`        // L2 weight on parameters relative to identity
	Chain         bool     `toml:"chain"`          // fit each manipulation on the images the previous one produced
	Rounds        int      `toml:"rounds"`         // cg-to-real: discriminator-and-fit rounds per manipulation (1: one discriminator)
	RoundAccuracy float64  `toml:"round_accuracy"` // rounds stop once a round's discriminator's held-out accuracy falls below this
	Grid          []int    `toml:"grid"`           // patch manipulation grid [rows, cols]
	BatchSize     int      `toml:"batch_size"`     // images fitted together (with OpenBLAS it changes the last bits)
}

// Content configures the black-box scene search.
type Content struct {
	Experiment string   `toml:"experiment"` // "exp1" (bottle pose) or "exp2" (shelf arrangement)
	Samplers   []string `toml:"samplers"`   // "tpe", "cmaes", "random"
	Seeds      []int64  `toml:"seeds"`      // one study per sampler and seed
	Trials     int      `toml:"trials"`     // trials per study
	BatchSize  int      `toml:"batch_size"` // trials sampled together; part of the result
	MixRounds  int      `toml:"mix_rounds"` // generate-and-mix rounds after the first search
	MixImages  int      `toml:"mix_images"` // generated images that join the CG set per round
	Threshold  float64  `toml:"threshold"`  // target-class confidence that counts as success
}

// Segmentation configures the downstream check.
type Segmentation struct {
	// TrainingSets: "baseline", "augment" (random augmentation), a
	// manipulation name (fitted per image), "<manipulation>/rounds" (the
	// images style.rounds leaves), "<manipulation>/stochastic" (sampled every
	// epoch from distributions fitted per image); docs/SEGMENTATION.md.
	TrainingSets []string `toml:"training_sets"`
	Seeds        int      `toml:"seeds"`  // trainings per set, each with its own initial weights and shuffle (shared across sets)
	Images       int      `toml:"images"` // CG training images
	// Channels per U-Net level (docs/SEGMENTATION.md); the default profile
	// of the built-in uses a smaller network than the paper profile.
	Channels     []int   `toml:"channels"`
	Epochs       int     `toml:"epochs"`
	BatchSize    int     `toml:"batch_size"`
	LearningRate float64 `toml:"learning_rate"`
}

// Allowed values, used by validation and documented in docs/SPEC.md. The
// lists of things other packages define are taken from those packages'
// registries, so a manipulation, sampler, generator, policy or domain added
// there is accepted here at once; registry_test.go checks the rest
// (experiments and directions) against the packages that implement them.
var (
	Manipulations = manip.Names()                     // ml/manip's registry
	Directions    = keys.Directions()                 // the fitting directions ml/fit implements
	Samplers      = study.Samplers()                  // package study's samplers
	Experiments   = []string{"exp1", "exp2"}          // scene.NewContentSpace's experiments
	Sources       = []string{"generate", "folder"}    // how the runner makes a dataset
	Policies      = slices.Clone(datasets.Policies)   // blender/datasets' resize policies
	Domains       = specDomains()                     // blender/style's domains a generated set may use
	Optimizers    = []string{"line-search", "adam"}   // ml/fit's optimisers
	Stops         = []string{"threshold", "converge"} // ml/fit's stop rules a spec may name
	Generators    = slices.Clone(scene.Generators)    // blender/scene's generators
	ProfileNames  = []string{"smoke", "default", "paper"}
)

// defaults returns a spec holding every default for kind; decoding a spec file
// onto it overrides what the file sets. Each call returns fresh slices.
func defaults(kind Kind) Spec {
	s := Spec{
		Format: FormatVersion,
		Kind:   kind,
		Seed:   1,
		Datasets: Datasets{
			CG:   Dataset{Source: "generate", Generator: "products", Domain: "cg", Count: 256, Size: 64},
			Real: Dataset{Source: "generate", Generator: "products", Domain: "real", Count: 256, Size: 64},
		},
		Discriminator: Discriminator{Width: 32, Depth: 3, Epochs: 2, BatchSize: 32,
			LearningRate: 1e-3, TestFraction: 0.2},
		Style: Style{Directions: []string{"cg-to-real"}, Images: 64, Steps: 200, LearningRate: 0,
			Optimizer: "line-search", Stop: "threshold", Threshold: 0.5, EarlyStop: true, Grid: []int{8, 8}, BatchSize: 32, Rounds: 1, RoundAccuracy: 0.6},
		Content: Content{Experiment: "exp1", Samplers: []string{"tpe"}, Seeds: []int64{1}, Trials: 100,
			BatchSize: 4, MixImages: 0, Threshold: 0.5},
		Segmentation: Segmentation{TrainingSets: []string{"baseline"}, Seeds: 3, Images: 256, Channels: []int{16, 32, 64}, Epochs: 4,
			BatchSize: 16, LearningRate: 2e-3},
	}
	if kind == KindSegmentation {
		s.Datasets.Eval = Dataset{Source: "generate", Generator: "products", Domain: "real", Count: 64, Size: 64}
	}
	return s
}

// clone returns a deep copy of s that shares no slices or maps with it.
func (s Spec) clone() Spec {
	c := s
	c.Style.Manipulations = slices.Clone(s.Style.Manipulations)
	c.Style.Directions = slices.Clone(s.Style.Directions)
	c.Style.Grid = slices.Clone(s.Style.Grid)
	c.Content.Samplers = slices.Clone(s.Content.Samplers)
	c.Content.Seeds = slices.Clone(s.Content.Seeds)
	c.Segmentation.TrainingSets = slices.Clone(s.Segmentation.TrainingSets)
	c.Segmentation.Channels = slices.Clone(s.Segmentation.Channels)
	if s.Profiles != nil {
		c.Profiles = make(map[string]toml.Primitive, len(s.Profiles))
		for k, v := range s.Profiles {
			c.Profiles[k] = v
		}
	}
	return c
}

// DefaultLearningRates are the Adam step sizes used when style.learning_rate
// is 0. Parameters differ in scale: one step of a blur moves a softplus raw
// variable whose distance to a visible blur is ~1.3, while a colour step
// moves an additive offset directly (docs/MANIPULATIONS.md).
var DefaultLearningRates = map[string]float64{
	"brightness-contrast":       0.005,
	"patch-brightness-contrast": 0.005,
	"hsv":                       0.01,
	"blur":                      0.05,
	"blur-brightness-contrast":  0.005,
	"channel-blur":              0.05,
	"noise":                     0.01,
	"exposure":                  0.05,
}

// learningRate returns the step size for manipulation m.
func (s Style) learningRate(m string) float64 {
	if s.LearningRate > 0 {
		return s.LearningRate
	}
	return DefaultLearningRates[m]
}

// specDomains lists blender/style's built-in domains, sorted, but
// "identity": a spec's generated set is always styled as a capture domain.
func specDomains() []string {
	return slices.DeleteFunc(style.DomainNames(), func(n string) bool { return n == "identity" })
}

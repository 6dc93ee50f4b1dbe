package manip

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gorgonia.org/gorgonia"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// Manipulation is one interpretable, differentiable image manipulation with k
// parameters per image. Implementations are immutable and safe for
// concurrent use.
type Manipulation interface {
	// Name is the registry name, as in docs/DATA.md (e.g. "brightness-contrast").
	Name() string

	// Params describes the k parameters in the order Build, Apply and fitted
	// vectors use. The slice is a fresh copy on every call.
	Params() []Param

	// Build adds the manipulation to x's graph. x is [N,3,H,W] (float32 or
	// float64, NCHW, values in [0,1]); values is [N,k] of the same dtype and
	// holds each image's parameter values (not raw optimiser variables: see
	// Reparam); seeds holds one seed per image (only noise reads them). The
	// result is [N,3,H,W]. Image i's output and its gradient with respect to
	// row i of values depend on image i alone. The op does not differentiate
	// with respect to x.
	Build(x, values *gorgonia.Node, seeds []int64) (*gorgonia.Node, error)

	// Apply writes the manipulated image into dst from src, both 3*h*w
	// float32 in CHW order, with k parameter values and the image's seed.
	// It runs the same kernel as Build's op, so for a float32 graph its output
	// is bit-identical to that image's slice of the graph's output.
	Apply(dst, src []float32, h, w int, values []float64, seed int64) error
}

// Param describes one parameter of a manipulation.
type Param struct {
	// Name as stored in trials (docs/DATA.md), e.g. "contrast_g".
	Name string
	// Identity is the value that leaves an image unchanged (for the blurs,
	// all but unchanged: see docs/MANIPULATIONS.md).
	Identity float64
	// Low and High bound the plausible values; they are the range of the
	// goptuna UniformDistribution a trial stores, and fitting projects onto it.
	Low, High float64
	// Softplus reports that the optimiser moves a raw variable r and the
	// value is softplus(r) = log(1+e^r), which keeps it positive and smooth.
	// Otherwise the value is the raw variable itself.
	Softplus bool
}

// Value maps a raw optimiser variable to this parameter's value.
func (p Param) Value(raw float64) float64 {
	if p.Softplus {
		return softplus(raw)
	}
	return raw
}

// Raw maps a value to the raw optimiser variable, the inverse of Value. A
// softplus parameter maps values <= 0 to -Inf.
func (p Param) Raw(value float64) float64 {
	if !p.Softplus {
		return value
	}
	if value <= 0 {
		return math.Inf(-1)
	}
	// softplus^-1(v) = log(e^v - 1) = v + log(1 - e^-v), stable for large v.
	return value + fmath.Log(-fmath.Expm1(-value))
}

// Options configures the manipulations that have options. The zero value
// selects the defaults.
type Options struct {
	// GridRows and GridCols set the patch grid of patch-brightness-contrast
	// (default 8x8). Each must be at most the image's height and width.
	GridRows, GridCols int
	// BlurRadius is the fixed half-width of the blur window in pixels, the
	// same for every sigma (default 9, three times the sigma range's top).
	BlurRadius int
}

const (
	defaultGrid       = 8
	defaultBlurRadius = 9
	maxGrid           = 256
	maxBlurRadius     = 64
)

func (o Options) resolved() (Options, error) {
	if o.GridRows == 0 {
		o.GridRows = defaultGrid
	}
	if o.GridCols == 0 {
		o.GridCols = defaultGrid
	}
	if o.BlurRadius == 0 {
		o.BlurRadius = defaultBlurRadius
	}
	if o.GridRows < 1 || o.GridCols < 1 || o.GridRows > maxGrid || o.GridCols > maxGrid {
		return o, fmt.Errorf("%w: grid %dx%d: rows and columns must be 1..%d", ErrOptions, o.GridRows, o.GridCols, maxGrid)
	}
	if o.BlurRadius < 1 || o.BlurRadius > maxBlurRadius {
		return o, fmt.Errorf("%w: blur radius %d: must be 1..%d", ErrOptions, o.BlurRadius, maxBlurRadius)
	}
	return o, nil
}

// constructors maps registry names to constructors.
var constructors = map[string]func(Options) *manipulation{
	"brightness-contrast":       newBrightnessContrast,
	"patch-brightness-contrast": newPatchBrightnessContrast,
	"hsv":                       newHSV,
	"blur":                      newBlur,
	"blur-brightness-contrast":  newBlurBrightnessContrast,
	"channel-blur":              newChannelBlur,
	"noise":                     newNoise,
	"exposure":                  newExposure,
}

// Names lists the registered manipulation names, sorted.
func Names() []string {
	names := make([]string, 0, len(constructors))
	for n := range constructors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the manipulation registered under name, configured by opts.
// An unknown name yields an error wrapping ErrUnknown that lists the names.
func Lookup(name string, opts Options) (Manipulation, error) {
	ctor, ok := constructors[name]
	if !ok {
		return nil, fmt.Errorf("%w %q: choose one of %s", ErrUnknown, name, strings.Join(Names(), ", "))
	}
	o, err := opts.resolved()
	if err != nil {
		return nil, fmt.Errorf("manipulation %s: %w", name, err)
	}
	return ctor(o), nil
}

// IdentityValues returns the identity value of every parameter of m.
func IdentityValues(m Manipulation) []float64 {
	ps := m.Params()
	v := make([]float64, len(ps))
	for i, p := range ps {
		v[i] = p.Identity
	}
	return v
}

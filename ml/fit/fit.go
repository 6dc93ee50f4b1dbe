package fit

import (
	"context"
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/ml/manip"

	"github.com/cgx-dev/cgx/ml/nn"
)

// Classifier is the discriminator a fit tries to fool.
type Classifier interface {
	// Logits adds the classifier's forward pass with frozen weights to x's
	// graph and returns [N,2] logits (class 0 = CG, class 1 = real). x is
	// float32 [N,3,H,W] with values in [0,1]. Row i of the result must
	// depend on image i alone (no batch statistics), or results would
	// depend on which images share a batch.
	Logits(x *gorgonia.Node) (*gorgonia.Node, error)
}

// Images is a batch of images with one seed each.
type Images struct {
	N, H, W int
	Pix     []float32 // N*3*H*W values in [0,1], NCHW
	Seeds   []int64   // one per image; the noise manipulation draws from it
}

func (im Images) validate() error {
	if im.N < 0 || im.H < 1 || im.W < 1 {
		return fmt.Errorf("%w: %d images of %dx%d", ErrImages, im.N, im.H, im.W)
	}
	if want := im.N * 3 * im.H * im.W; len(im.Pix) != want {
		return fmt.Errorf("%w: %d values for %d images of 3x%dx%d, want %d", ErrImages, len(im.Pix), im.N, im.H, im.W, want)
	}
	if len(im.Seeds) != im.N {
		return fmt.Errorf("%w: %d seeds for %d images", ErrImages, len(im.Seeds), im.N)
	}
	for i, v := range im.Pix {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("%w: image %d has value %v outside [0,1]", ErrImages, i/(3*im.H*im.W), v)
		}
	}
	return nil
}

// Result is one image's fit.
type Result struct {
	// Values are the fitted parameter values, in manip's Params order, as
	// applied to Image (float32 values widened to float64).
	Values []float64
	// Success: the target-class probability reached the threshold.
	Success bool
	// Steps is the number of updates made (for LineSearch: accepted steps).
	Steps int
	// Evaluations is the number of times the objective was evaluated after
	// the first (LineSearch counts rejected steps too; Adam: Steps).
	Evaluations int
	// AtBound flags, per parameter, a value at its range's Low or High: the
	// fit wanted to go further than the range allows.
	AtBound []bool
	// Confidence is the final target-class probability.
	Confidence float64
	// Losses holds the cross-entropy against the target class before each
	// update and after the last: Steps+1 values. The penalty is not included.
	Losses []float64
	// Image is the manipulated image the classifier saw last, 3*H*W CHW.
	Image []float32
}

// Fit fits m's parameters for every image so that clf assigns it the
// direction's target class, with Adam, one parameter vector per image.
// Images are processed cfg.BatchSize at a time, each batch in one graph that
// is rerun every step (and rebuilt smaller once half its images have
// stopped); an image's result depends only on the image, its seed, m, clf
// and cfg (see the package doc for the OpenBLAS caveat). An image stops
// once its target-class probability reaches cfg.Threshold (unless
// NoEarlyStop) or after cfg.Steps updates.
func Fit(ctx context.Context, clf Classifier, m manip.Manipulation, images Images, cfg Config) ([]Result, error) {
	c, err := cfg.resolved()
	if err != nil {
		return nil, fmt.Errorf("fit %s: %w", m.Name(), err)
	}
	if err := images.validate(); err != nil {
		return nil, fmt.Errorf("fit %s: %w", m.Name(), err)
	}
	results := make([]Result, 0, images.N)
	size := 3 * images.H * images.W
	for start := 0; start < images.N; start += c.BatchSize {
		end := min(start+c.BatchSize, images.N)
		chunk := Images{N: end - start, H: images.H, W: images.W, Pix: images.Pix[start*size : end*size], Seeds: images.Seeds[start:end]}
		rs, err := fitBatch(ctx, clf, m, chunk, c)
		if err != nil {
			return nil, fmt.Errorf("fit %s: images %d..%d: %w", m.Name(), start, end-1, err)
		}
		results = append(results, rs...)
		if c.Progress != nil {
			c.Progress(end, images.N)
		}
	}
	return results, nil
}

// batchGraph is one batch's compiled graph and the values it reads back.
type batchGraph struct {
	raw                        *gorgonia.Node
	rawT                       *tensor.Dense
	vm                         gorgonia.VM
	logits, grad, values, outV gorgonia.Value
}

// buildBatch builds one batch's graph. With direct set the optimiser's
// variables are the parameter values themselves (no Reparam): the
// distribution fit samples values and needs gradients with respect to them.
func buildBatch(clf Classifier, m manip.Manipulation, im Images, target int, direct bool) (*batchGraph, error) {
	n, k := im.N, len(m.Params())
	g := gorgonia.NewGraph()
	pix := append([]float32(nil), im.Pix...)
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(n, 3, im.H, im.W), gorgonia.WithName("images"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(n, 3, im.H, im.W), tensor.WithBacking(pix))))
	b := &batchGraph{rawT: tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(n, k))}
	b.raw = gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(n, k), gorgonia.WithName("raw"), gorgonia.WithValue(b.rawT))
	values := b.raw
	if !direct {
		var err error
		if values, err = manip.Reparam(b.raw, m.Params()); err != nil {
			return nil, err
		}
	}
	out, err := m.Build(x, values, im.Seeds)
	if err != nil {
		return nil, err
	}
	logits, err := clf.Logits(out)
	if err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	if s := logits.Shape(); !s.Eq(tensor.Shape{n, 2}) || logits.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("%w: logits %v %v, want float32 [%d,2]", ErrClassifier, logits.Dtype(), s, n)
	}
	loss, err := gorgonia.ApplyOp(&xentOp{n: n, target: target}, logits)
	if err != nil {
		return nil, fmt.Errorf("loss: %w", err)
	}
	grads, err := gorgonia.Grad(loss, b.raw)
	if err != nil {
		return nil, fmt.Errorf("gradient: %w", err)
	}
	// Read copies each value as it is computed, before the tape machine can
	// reuse its register; compiling only what the reads need skips any
	// gradient the classifier's ops offer for its frozen weights.
	roots := gorgonia.Nodes{
		gorgonia.Read(logits, &b.logits),
		gorgonia.Read(grads[0], &b.grad),
		gorgonia.Read(values, &b.values),
		gorgonia.Read(out, &b.outV),
	}
	b.vm = nn.NewTapeMachine(g.ExactSubgraphRoots(roots...))
	return b, nil
}

// subset returns the images at the given indices.
func (im Images) subset(idx []int) Images {
	size := 3 * im.H * im.W
	out := Images{N: len(idx), H: im.H, W: im.W, Pix: make([]float32, 0, len(idx)*size), Seeds: make([]int64, len(idx))}
	for r, i := range idx {
		out.Pix = append(out.Pix, im.Pix[i*size:(i+1)*size]...)
		out.Seeds[r] = im.Seeds[i]
	}
	return out
}

// fitBatch fits one batch. Its graph and tape machine are built once and
// rerun every step; once half of the images in the graph have stopped, they
// are rebuilt for the active images only (compaction), so stopped images
// cost nothing further. Per-image state (raw variables, Adam moments,
// results) is indexed by the image's place in the batch throughout.
func fitBatch(ctx context.Context, clf Classifier, m manip.Manipulation, im Images, c Config) (res []Result, err error) {
	target, _ := c.Direction.Target()
	params := m.Params()
	n, k, size := im.N, len(params), 3*im.H*im.W

	raw := make([]float64, n*k)
	lo, hi := make([]float64, k), make([]float64, k)
	for j, p := range params {
		lo[j], hi[j] = rawBounds(p)
		for i := range n {
			raw[i*k+j] = p.Raw(p.Identity)
		}
	}
	opt := newAdam(c, n*k)
	var ls *lineSearch
	if c.Optimizer == LineSearch {
		ls = newLineSearch(c, params, n, lo, hi)
	}
	res = make([]Result, n)
	active := make([]bool, n)
	group := make([]int, n) // graph row r holds image group[r]
	for i := range n {
		active[i], group[i] = true, i
	}
	remaining := n

	var b *batchGraph
	defer func() {
		if b == nil {
			return
		}
		if cerr := b.vm.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close machine: %w", cerr)
		}
	}()
	for step := 0; remaining > 0; step++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if b == nil || (!c.noCompaction && 2*remaining <= len(group)) {
			if b != nil {
				if err := b.vm.Close(); err != nil {
					return nil, fmt.Errorf("close machine: %w", err)
				}
				b, group = nil, group[:0]
				for i, a := range active {
					if a {
						group = append(group, i)
					}
				}
			}
			if b, err = buildBatch(clf, m, im.subset(group), target, false); err != nil {
				return nil, err
			}
		}
		rawData := b.rawT.Data().([]float32)
		for r, i := range group {
			for j := range k {
				rawData[r*k+j] = float32(raw[i*k+j])
			}
		}
		if err := gorgonia.Let(b.raw, b.rawT); err != nil {
			return nil, err
		}
		if err := b.vm.RunAll(); err != nil {
			return nil, err
		}
		b.vm.Reset()
		logits, grad := b.logits.Data().([]float32), b.grad.Data().([]float32)
		values, out := b.values.Data().([]float32), b.outV.Data().([]float32)
		for r, i := range group {
			if !active[i] {
				continue
			}
			l0, l1 := float64(logits[2*r]), float64(logits[2*r+1])
			if math.IsNaN(l0) || math.IsNaN(l1) || math.IsInf(l0, 0) || math.IsInf(l1, 0) {
				return nil, fmt.Errorf("%w: image %d step %d: logits %v, %v", ErrClassifier, i, step, l0, l1)
			}
			ce, prob := crossEntropy(l0, l1, target)
			g := opt.grads(i, k)
			for j, p := range params {
				g[j] = float64(grad[r*k+j])
				if c.Penalty > 0 {
					g[j] += penaltyGrad(p, raw[i*k+j], float64(values[r*k+j]), c.Penalty)
				}
			}
			rv := &res[i]
			if ls != nil {
				obj := ce
				vals := make([]float64, k)
				for j, p := range params {
					vals[j] = float64(values[r*k+j])
					if c.Penalty > 0 {
						d := vals[j] - p.Identity
						obj += float64(c.Penalty * d * d)
					}
				}
				if !ls.observe(i, raw[i*k:(i+1)*k], obj, ce, prob, g, vals, out[r*size:(r+1)*size], &rv.Losses) {
					continue
				}
				st := &ls.img[i]
				copy(raw[i*k:(i+1)*k], st.x)
				rv.Values = st.values
				rv.Steps, rv.Evaluations, rv.Confidence = len(rv.Losses)-1, st.evals, st.prob
				rv.Image = st.image
			} else {
				rv.Losses = append(rv.Losses, ce)
				stop := step >= c.Steps || (c.Stop == StopThreshold && prob >= c.Threshold) ||
					(c.Stop == StopConverge && step > 0 && plateau(rv.Losses, c.Tolerance))
				if !stop {
					opt.step(i, k, raw, lo, hi, step+1)
					continue
				}
				rv.Values = make([]float64, k)
				for j := range k {
					rv.Values[j] = float64(values[r*k+j])
				}
				rv.Steps, rv.Evaluations, rv.Confidence = step, step, prob
				rv.Image = append([]float32(nil), out[r*size:(r+1)*size]...)
			}
			rv.Success = rv.Confidence >= c.Threshold
			rv.AtBound = make([]bool, k)
			for j := range k {
				x := float64(float32(raw[i*k+j]))
				rv.AtBound[j] = x <= lo[j] || x >= hi[j]
			}
			active[i] = false
			remaining--
		}
	}
	return res, nil
}

// rawBounds returns the projection bounds of a parameter's raw variable:
// float32 values (the graph computes in float32) whose values, rounded to
// float32 as the graph rounds them, lie within [Low, High], moved inwards
// from Raw(Low) and Raw(High) where rounding would step outside.
func rawBounds(p manip.Param) (lo, hi float64) {
	value := func(r float32) float64 { return float64(float32(p.Value(float64(r)))) }
	l, h := float32(p.Raw(p.Low)), float32(p.Raw(p.High))
	for value(l) < p.Low && l < h {
		l = math.Nextafter32(l, float32(math.Inf(1)))
	}
	for value(h) > p.High && h > l {
		h = math.Nextafter32(h, float32(math.Inf(-1)))
	}
	return float64(l), float64(h)
}

// plateau reports that the last step improved the loss by less than tol
// relative to the loss before it (or made it worse).
func plateau(losses []float64, tol float64) bool {
	n := len(losses)
	return n >= 2 && losses[n-2]-losses[n-1] <= tol*math.Abs(losses[n-2])
}

// penaltyGrad is d/draw of weight*(value-identity)^2.
func penaltyGrad(p manip.Param, raw, value, weight float64) float64 {
	d := 2 * weight * (value - p.Identity)
	if p.Softplus {
		d *= 1 / (1 + fmath.Exp(-raw))
	}
	return d
}

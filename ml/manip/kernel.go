package manip

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// kernel computes one manipulation on one image stored as T. Whatever T,
// kernels do their arithmetic in float64 and round once when they store, so
// float32 and float64 images get the same computation. Kernels are stateless
// apart from their configuration; scratch memory comes from the workspace in
// imageArgs.
type kernel[T float] interface {
	// check reports whether an h x w image can be manipulated.
	check(h, w int) error
	// forward writes x' (3*h*w, CHW) into dst from src.
	forward(dst, src []T, im *imageArgs)
	// backward writes dL/dvalues (k) into gv, given g = dL/dx'.
	backward(gv []float64, src, g []T, im *imageArgs)
}

// kernelFor returns m's kernel for element type T.
func kernelFor[T float](m *manipulation) kernel[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(m.kern32).(kernel[T])
	}
	return any(m.kern64).(kernel[T])
}

// imageArgs is what a kernel knows about the image it works on.
type imageArgs struct {
	h, w  int
	p     []float64 // parameter values
	noise []float64 // fixed noise sample, 3*h*w (noise only)
	ws    *workspace
}

// workspace holds reusable float64 scratch buffers, one set per worker.
type workspace struct {
	bufs [][]float64
	kern *workspace
}

// buf returns scratch buffer i with length n; its contents are undefined.
func (w *workspace) buf(i, n int) []float64 {
	for len(w.bufs) <= i {
		w.bufs = append(w.bufs, nil)
	}
	if cap(w.bufs[i]) < n {
		w.bufs[i] = make([]float64, n)
	}
	return w.bufs[i][:n]
}

// manipulation is the one implementation of Manipulation: a name, parameter
// descriptions and a kernel.
type manipulation struct {
	name   string
	config string // identifies options that change the result, for op hashes
	params []Param
	kern32 kernel[float32]
	kern64 kernel[float64]
	noisy  bool // needs a fixed noise sample per image
}

var _ Manipulation = (*manipulation)(nil)

func (m *manipulation) Name() string { return m.name }

func (m *manipulation) Params() []Param {
	out := make([]Param, len(m.params))
	copy(out, m.params)
	return out
}

func (m *manipulation) String() string {
	if m.config == "" {
		return m.name
	}
	return m.name + "(" + m.config + ")"
}

// Apply implements Manipulation.
func (m *manipulation) Apply(dst, src []float32, h, w int, values []float64, seed int64) error {
	if err := m.checkImage(h, w); err != nil {
		return fmt.Errorf("apply %s: %w", m.name, err)
	}
	n := 3 * h * w
	if len(src) != n || len(dst) != n {
		return fmt.Errorf("apply %s: %w: src has %d and dst %d values, want 3*%d*%d = %d", m.name, ErrShape, len(src), len(dst), h, w, n)
	}
	if err := m.checkValues(values); err != nil {
		return fmt.Errorf("apply %s: %w", m.name, err)
	}
	im := &imageArgs{h: h, w: w, p: values, ws: new(workspace)}
	if m.noisy {
		im.noise = noiseSample(seed, n)
	}
	m.kern32.forward(dst, src, im)
	return nil
}

func (m *manipulation) checkImage(h, w int) error {
	if h < 1 || w < 1 {
		return fmt.Errorf("%w: image size %dx%d", ErrShape, h, w)
	}
	if err := m.kern64.check(h, w); err != nil {
		return err
	}
	return nil
}

func (m *manipulation) checkValues(values []float64) error {
	if len(values) != len(m.params) {
		return fmt.Errorf("%w: got %d parameter values, want %d (%s)", ErrParams, len(values), len(m.params), paramNames(m.params))
	}
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s = %v is not finite", ErrParams, m.params[i].Name, v)
		}
	}
	return nil
}

func paramNames(ps []Param) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ", "
		}
		s += p.Name
	}
	return s
}

type float interface{ ~float32 | ~float64 }

// forEachImage calls fn for images 0..n-1 on up to GOMAXPROCS workers, each
// with its own workspace. fn must touch only image i's data, which makes the
// result independent of the worker count.
func forEachImage(n int, fn func(i int, ws *workspace)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		ws := new(workspace)
		for i := range n {
			fn(i, ws)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			ws := new(workspace)
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i, ws)
			}
		})
	}
	wg.Wait()
}

// batchForward runs the kernel on every image of a batch. x and out are
// N*3*h*w, vals is N*k, noise holds one sample per image when m.noisy.
func batchForward[T float](m *manipulation, out, x, vals []T, n, h, w int, noise [][]float64) {
	k, size, kern := len(m.params), 3*h*w, kernelFor[T](m)
	forEachImage(n, func(i int, ws *workspace) {
		p := ws.buf(0, k)
		for j := range p {
			p[j] = float64(vals[i*k+j])
		}
		im := &imageArgs{h: h, w: w, p: p, ws: ws.sub()}
		if m.noisy {
			im.noise = noise[i]
		}
		kern.forward(out[i*size:(i+1)*size], x[i*size:(i+1)*size], im)
	})
}

// batchBackward writes dL/dvals (N*k) given the output gradient g (N*3*h*w).
func batchBackward[T float](m *manipulation, gv, x, vals, g []T, n, h, w int, noise [][]float64) {
	k, size, kern := len(m.params), 3*h*w, kernelFor[T](m)
	forEachImage(n, func(i int, ws *workspace) {
		p, gp := ws.buf(0, k), ws.buf(1, k)
		for j := range p {
			p[j] = float64(vals[i*k+j])
		}
		clear(gp)
		im := &imageArgs{h: h, w: w, p: p, ws: ws.sub()}
		if m.noisy {
			im.noise = noise[i]
		}
		kern.backward(gp, x[i*size:(i+1)*size], g[i*size:(i+1)*size], im)
		for j, v := range gp {
			gv[i*k+j] = T(v)
		}
	})
}

// sub returns the workspace a kernel uses, separate from the buffers the
// batch loop holds.
func (w *workspace) sub() *workspace {
	if w.kern == nil {
		w.kern = new(workspace)
	}
	return w.kern
}

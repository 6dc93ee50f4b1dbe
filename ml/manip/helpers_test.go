package manip

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// testRand returns a seeded RNG and logs the seed so a failure can be rerun.
func testRand(t testing.TB, seed uint64) *rand.Rand {
	t.Helper()
	t.Logf("random seed %d", seed)
	return rand.New(rand.NewPCG(seed, 1))
}

// randomImages returns n images of 3*h*w values uniform in [lo,hi).
func randomImages(r *rand.Rand, n, h, w int, lo, hi float64) []float64 {
	x := make([]float64, n*3*h*w)
	for i := range x {
		x[i] = lo + (hi-lo)*r.Float64()
	}
	return x
}

func lookup(t testing.TB, name string, opts Options) Manipulation {
	t.Helper()
	m, err := Lookup(name, opts)
	if err != nil {
		t.Fatalf("Lookup(%q): %v", name, err)
	}
	return m
}

// graphRun is a compiled graph: loss = sum(weights * m(x, Reparam(raw))).
type graphRun struct {
	g         *gorgonia.ExprGraph
	raw, out  *gorgonia.Node
	loss      *gorgonia.Node
	grad      *gorgonia.Node
	vm        gorgonia.VM
	dt        tensor.Dtype
	n, k      int
	imageSize int
}

func newGraphRun(t testing.TB, m Manipulation, dt tensor.Dtype, x []float64, n, h, w int, seeds []int64, weights []float64) *graphRun {
	t.Helper()
	k := len(m.Params())
	g := gorgonia.NewGraph()
	xv := tensor.New(tensor.Of(dt), tensor.WithShape(n, 3, h, w), tensor.WithBacking(convert(dt, x)))
	wv := tensor.New(tensor.Of(dt), tensor.WithShape(n, 3, h, w), tensor.WithBacking(convert(dt, weights)))
	xn := gorgonia.NewTensor(g, dt, 4, gorgonia.WithShape(n, 3, h, w), gorgonia.WithValue(xv), gorgonia.WithName("x"))
	wn := gorgonia.NewConstant(wv, gorgonia.WithName("w"))
	raw := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(n, k), gorgonia.WithName("raw"),
		gorgonia.WithValue(tensor.New(tensor.Of(dt), tensor.WithShape(n, k))))
	vals, err := Reparam(raw, m.Params())
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Build(xn, vals, seeds)
	if err != nil {
		t.Fatal(err)
	}
	loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(out, wn))))
	grads, err := gorgonia.Grad(loss, raw)
	if err != nil {
		t.Fatal(err)
	}
	return &graphRun{g: g, raw: raw, out: out, loss: loss, grad: grads[0], vm: gorgonia.NewTapeMachine(g), dt: dt, n: n, k: k, imageSize: 3 * h * w}
}

// run evaluates the graph at raw (N*k) and returns output, loss and dloss/draw.
func (r *graphRun) run(t testing.TB, raw []float64) (out []float64, loss float64, grad []float64) {
	t.Helper()
	if err := gorgonia.Let(r.raw, tensor.New(tensor.Of(r.dt), tensor.WithShape(r.n, r.k), tensor.WithBacking(convert(r.dt, raw)))); err != nil {
		t.Fatal(err)
	}
	if err := r.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	defer r.vm.Reset()
	return floats(r.out.Value().Data()), floats(r.loss.Value().Data())[0], floats(r.grad.Value().Data())
}

func convert(dt tensor.Dtype, x []float64) any {
	if dt == tensor.Float32 {
		y := make([]float32, len(x))
		for i, v := range x {
			y[i] = float32(v)
		}
		return y
	}
	return append([]float64(nil), x...)
}

func floats(d any) []float64 {
	switch d := d.(type) {
	case []float32:
		y := make([]float64, len(d))
		for i, v := range d {
			y[i] = float64(v)
		}
		return y
	case []float64:
		return append([]float64(nil), d...)
	case float32:
		return []float64{float64(d)}
	case float64:
		return []float64{d}
	}
	panic("unexpected data type")
}

func toFloat32(x []float64) []float32 { return convert(tensor.Float32, x).([]float32) }

type errGraph struct{ x, v *gorgonia.Node }

// newErrGraph makes unbound nodes for shape-checking tests.
func newErrGraph(n, h, w, k int, dtV tensor.Dtype) errGraph {
	g := gorgonia.NewGraph()
	return errGraph{
		x: gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(n, 3, h, w), gorgonia.WithName("x")),
		v: gorgonia.NewMatrix(g, dtV, gorgonia.WithShape(n, k), gorgonia.WithName("v")),
	}
}

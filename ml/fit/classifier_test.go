package fit

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// linearMeans is a classifier over the three channel means:
// logit_real - logit_cg = w . mean(x) + b (logit_cg is 0).
type linearMeans struct {
	w [3]float64
	b float64
}

var _ Classifier = (*linearMeans)(nil)

func (c *linearMeans) Logits(x *gorgonia.Node) (*gorgonia.Node, error) {
	n := x.Shape()[0]
	means, err := spatialMean(x) // [N,3]
	if err != nil {
		return nil, err
	}
	w := tensor.New(tensor.WithShape(3, 2), tensor.WithBacking([]float32{0, float32(c.w[0]), 0, float32(c.w[1]), 0, float32(c.w[2])}))
	mm, err := gorgonia.Mul(means, gorgonia.NewConstant(w, gorgonia.WithName("w")))
	if err != nil {
		return nil, err
	}
	bias := make([]float32, 2*n)
	for i := range n {
		bias[2*i+1] = float32(c.b)
	}
	return gorgonia.Add(mm, gorgonia.NewConstant(tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(bias)), gorgonia.WithName(fmt.Sprintf("bias%d", n))))
}

// spatialMean averages [N,C,H,W] over H and W. It reshapes to [N,C,H*W]
// first: gorgonia v0.9.18's Mean(x, 2, 3) on a 4-d tensor mixes up channels.
func spatialMean(x *gorgonia.Node) (*gorgonia.Node, error) {
	s := x.Shape()
	flat, err := gorgonia.Reshape(x, tensor.Shape{s[0], s[1], s[2] * s[3]})
	if err != nil {
		return nil, err
	}
	return gorgonia.Mean(flat, 2)
}

// logit returns logit_real - logit_cg for one image, in float64.
func (c *linearMeans) logit(img []float32) float64 {
	f := channelMeans(img)
	return c.w[0]*f[0] + c.w[1]*f[1] + c.w[2]*f[2] + c.b
}

func channelMeans(img []float32) [3]float64 {
	var f [3]float64
	n := len(img) / 3
	for c := range 3 {
		for _, v := range img[c*n : (c+1)*n] {
			f[c] += float64(v)
		}
		f[c] /= float64(n)
	}
	return f
}

// trainLinearMeans fits logistic regression (real = 1) on channel means by
// full-batch gradient descent, deterministically.
func trainLinearMeans(cg, real [][]float32) *linearMeans {
	type sample struct {
		f [3]float64
		y float64
	}
	var data []sample
	for _, im := range cg {
		data = append(data, sample{channelMeans(im), 0})
	}
	for _, im := range real {
		data = append(data, sample{channelMeans(im), 1})
	}
	c := &linearMeans{}
	for range 3000 {
		var gw [3]float64
		var gb float64
		for _, s := range data {
			p := 1 / (1 + math.Exp(-(c.w[0]*s.f[0] + c.w[1]*s.f[1] + c.w[2]*s.f[2] + c.b)))
			for j := range 3 {
				gw[j] += (p - s.y) * s.f[j]
			}
			gb += p - s.y
		}
		const lr = 20.0
		for j := range 3 {
			c.w[j] -= lr * gw[j] / float64(len(data))
		}
		c.b -= lr * gb / float64(len(data))
	}
	return c
}

// tinyConv is a small conv net from stock gorgonia ops with fixed random
// weights: conv 3x3 3->4, ReLU, 2x2 max-pool, spatial mean, linear -> 2.
type tinyConv struct {
	filter []float32 // 4*3*3*3
	dense  []float32 // 4*2
}

var _ Classifier = (*tinyConv)(nil)

func newTinyConv(seed uint64) *tinyConv {
	r := rand.New(rand.NewPCG(seed, 2))
	c := &tinyConv{filter: make([]float32, 4*3*3*3), dense: make([]float32, 8)}
	for i := range c.filter {
		c.filter[i] = float32(r.NormFloat64() * 0.5)
	}
	for i := range c.dense {
		c.dense[i] = float32(r.NormFloat64() * 2)
	}
	return c
}

func (c *tinyConv) Logits(x *gorgonia.Node) (*gorgonia.Node, error) {
	f := gorgonia.NewTensor(x.Graph(), tensor.Float32, 4, gorgonia.WithShape(4, 3, 3, 3), gorgonia.WithName("filter"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(4, 3, 3, 3), tensor.WithBacking(append([]float32(nil), c.filter...)))))
	conv, err := gorgonia.Conv2d(x, f, tensor.Shape{3, 3}, []int{1, 1}, []int{1, 1}, []int{1, 1})
	if err != nil {
		return nil, err
	}
	act, err := gorgonia.Rectify(conv)
	if err != nil {
		return nil, err
	}
	pool, err := gorgonia.MaxPool2D(act, tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2})
	if err != nil {
		return nil, err
	}
	feat, err := spatialMean(pool) // [N,4]
	if err != nil {
		return nil, err
	}
	d := gorgonia.NewConstant(tensor.New(tensor.WithShape(4, 2), tensor.WithBacking(append([]float32(nil), c.dense...))), gorgonia.WithName("dense"))
	return gorgonia.Mul(feat, d)
}

// smoothImages returns n images with a random base colour per channel, a
// horizontal gradient and a little pixel noise, all inside [0.05, 0.8]; base colours vary less than the
// colour gains of TestColourGainRecovered, so a linear classifier separates them.
func smoothImages(r *rand.Rand, n, h, w int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		img := make([]float32, 3*h*w)
		for c := range 3 {
			base := 0.4 + 0.1*r.Float64()
			slope := 0.1 * (r.Float64() - 0.5)
			for y := range h {
				for x := range w {
					v := base + slope*(float64(x)/float64(w)-0.5) + 0.03*(r.Float64()-0.5)
					img[(c*h+y)*w+x] = float32(math.Min(math.Max(v, 0.05), 0.8))
				}
			}
		}
		out[i] = img
	}
	return out
}

// withGain multiplies each channel by its gain.
func withGain(imgs [][]float32, gain [3]float64) [][]float32 {
	out := make([][]float32, len(imgs))
	for i, im := range imgs {
		n := len(im) / 3
		o := make([]float32, len(im))
		for j, v := range im {
			o[j] = float32(math.Min(float64(v)*gain[j/n], 1))
		}
		out[i] = o
	}
	return out
}

// batch packs images into an Images with seeds base, base+1, ...
func batch(imgs [][]float32, h, w int, base int64) Images {
	im := Images{N: len(imgs), H: h, W: w}
	for i, x := range imgs {
		im.Pix = append(im.Pix, x...)
		im.Seeds = append(im.Seeds, base+int64(i))
	}
	return im
}

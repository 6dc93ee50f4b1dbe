package disc

import (
	"math"
	"math/rand/v2"

	"github.com/cgx-dev/cgx/ml/nn"
	"github.com/cgx-dev/cgx/ml/tensorimg"
)

// Two clearly different synthetic domains, generated from a seed:
// "cg" images are smooth colour gradients, "real" images are coloured
// per-pixel noise. Any working discriminator separates them.

func smoothGradients(n, size int, seed uint64) *tensorimg.Set {
	rng := nn.NewRand(seed)
	per := 3 * size * size
	data := make([]float32, n*per)
	for i := 0; i < n; i++ {
		angle := 2 * math.Pi * nn.Uniform01(rng)
		dx, dy := math.Cos(angle), math.Sin(angle)
		var c0, c1 [3]float64
		for c := range c0 {
			c0[c], c1[c] = nn.Uniform01(rng), nn.Uniform01(rng)
		}
		for c := 0; c < 3; c++ {
			for y := 0; y < size; y++ {
				for x := 0; x < size; x++ {
					t := 0.5 + 0.5*((float64(x)/float64(size)-0.5)*dx+(float64(y)/float64(size)-0.5)*dy)*1.4
					t = math.Min(1, math.Max(0, t))
					data[i*per+(c*size+y)*size+x] = float32(c0[c]*(1-t) + c1[c]*t)
				}
			}
		}
	}
	s, err := tensorimg.NewSet(n, size, size, data)
	if err != nil {
		panic(err)
	}
	return s
}

func colouredNoise(n, size int, seed uint64) *tensorimg.Set {
	rng := nn.NewRand(seed)
	per := 3 * size * size
	data := make([]float32, n*per)
	for i := 0; i < n; i++ {
		var mean [3]float64
		for c := range mean {
			mean[c] = 0.2 + 0.6*nn.Uniform01(rng)
		}
		for c := 0; c < 3; c++ {
			for p := 0; p < size*size; p++ {
				v := mean[c] + 0.4*(nn.Uniform01(rng)-0.5)
				data[i*per+c*size*size+p] = float32(math.Min(1, math.Max(0, v)))
			}
		}
	}
	s, err := tensorimg.NewSet(n, size, size, data)
	if err != nil {
		panic(err)
	}
	return s
}

var _ = rand.New

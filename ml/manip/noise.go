package manip

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/internal/seeds"
)

func newNoise(Options) *manipulation {
	return &manipulation{
		name: "noise",
		params: []Param{
			{Name: "noise_mean", Low: -0.5, High: 0.5},
			{Name: "noise_std", Low: -0.5, High: 0.5},
		},
		kern32: gaussianNoise[float32]{},
		kern64: gaussianNoise[float64]{},
		noisy:  true,
	}
}

// gaussianNoise adds noise_mean + noise_std*z to every value and clamps to
// [0,1], where z is a standard normal sample per pixel and channel, fixed for
// the image: it is drawn from the image's seed (noiseSample), so the same
// image gets the same z at every fitting step, in Apply and in every batch.
// noise_std may turn negative; -s adds the mirrored sample, equally likely,
// so |noise_std| is the noise level.
type gaussianNoise[T float] struct{}

func (gaussianNoise[T]) check(h, w int) error { return nil }

func (gaussianNoise[T]) forward(dst, src []T, im *imageArgs) {
	mean, std := im.p[0], im.p[1]
	dst, z := dst[:len(src)], im.noise[:len(src)]
	for i, x := range src {
		dst[i] = T(clamp01(float64(x) + mean + float64(std*z[i])))
	}
}

func (gaussianNoise[T]) backward(gv []float64, src, g []T, im *imageArgs) {
	mean, std := im.p[0], im.p[1]
	g, noise := g[:len(src)], im.noise[:len(src)]
	var gm, gs float64
	for i, x := range src {
		z := noise[i]
		if inside01(float64(x) + mean + float64(std*z)) {
			gi := float64(g[i])
			gm += gi
			gs += float64(gi * z)
		}
	}
	gv[0], gv[1] = gm, gs
}

// noiseSeedName names the child seed of an image's seed that drives its noise.
const noiseSeedName = "manip/noise"

// noiseSample returns n standard normal values for an image with the given
// seed: PCG-DXSM (math/rand/v2, whose output is specified) seeded from the
// child seed "manip/noise", turned into normals by the Box-Muller transform
// (written out here so the values never depend on a library's algorithm).
func noiseSample(seed int64, n int) []float64 {
	src := seeds.PCG(uint64(seed), noiseSeedName)
	z := make([]float64, n)
	for i := 0; i < n; i += 2 {
		// Uniforms in (0,1) from the top 53 bits, offset by half a step so
		// log never sees 0.
		u1 := (float64(src.Uint64()>>11) + 0.5) / (1 << 53)
		u2 := (float64(src.Uint64()>>11) + 0.5) / (1 << 53)
		r := math.Sqrt(-2 * fmath.Log(u1))
		z[i] = r * fmath.Cos(2*math.Pi*u2)
		if i+1 < n {
			z[i+1] = r * fmath.Sin(2*math.Pi*u2)
		}
	}
	return z
}

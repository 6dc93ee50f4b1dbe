//go:build !amd64

package style

// jpegSIMD is false: the JPEG step runs its Go transforms only.
const jpegSIMD = false

func mul8(out, a, b *[64]float64) { panic("blender: mul8 without SIMD") }

// quantizeInto sets out to coef quantised as quantize does.
func quantizeInto(out, coef, t, inv *[64]float64) {
	*out = *coef
	quantize(out, t, inv)
}

func yccBlock(ycc *[3][64]float64, p *planes, i int) bool { return false }

func yccBack(ycc *[3][64]float64, p *planes, i int) bool { return false }

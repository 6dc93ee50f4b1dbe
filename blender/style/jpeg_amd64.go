package style

import "os"

// jpegSIMD reports whether the JPEG step's transforms run as 8×8 matrix
// products two columns at a time (jpeg_amd64.s; SSE2, which every amd64
// CPU has). CGX_SIMD=off turns it off; the values are the same bits either
// way.
var jpegSIMD = os.Getenv("CGX_SIMD") != "off"

//go:noescape
func mul8SSE(out, a, b *[64]float64)

// mul8 sets out to a·b (see mul8SSE).
func mul8(out, a, b *[64]float64) { mul8SSE(out, a, b) }

//go:noescape
func quantizeSSE(out, coef, t, inv *[64]float64) bool

// quantizeInto sets out to coef quantised as quantize does, two
// coefficients at a time where quantizeSSE's fast path holds for all.
func quantizeInto(out, coef, t, inv *[64]float64) {
	if jpegSIMD && quantizeSSE(out, coef, t, inv) {
		return
	}
	*out = *coef
	quantize(out, t, inv)
}

//go:noescape
func yccBlockSSE(ycc *[3][64]float64, rr, gg, bb *float32, stride int)

//go:noescape
func yccBackSSE(ycc *[3][64]float64, rr, gg, bb *float32, stride int)

// yccBlock converts the 8×8 block whose top-left pixel is i (inside the
// image, rows w apart) to ycc as jpeg's loop does; it reports false where
// the SIMD form is off.
func yccBlock(ycc *[3][64]float64, p *planes, i int) bool {
	if !jpegSIMD {
		return false
	}
	yccBlockSSE(ycc, &p.ch[0][i], &p.ch[1][i], &p.ch[2][i], p.w)
	return true
}

// yccBack writes ycc back to the block at i as jpeg's loop does; it
// reports false where the SIMD form is off.
func yccBack(ycc *[3][64]float64, p *planes, i int) bool {
	if !jpegSIMD {
		return false
	}
	yccBackSSE(ycc, &p.ch[0][i], &p.ch[1][i], &p.ch[2][i], p.w)
	return true
}

package blender

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// JPEG Annex K quantisation tables (quality 50), in natural order.
var jpegLuma = [64]float64{
	16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
	14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
	18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
	49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
}

var jpegChroma = [64]float64{
	17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
	24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
}

// jpegTable scales a base table to quality q (1..100) as libjpeg does.
func jpegTable(base *[64]float64, q int) [64]float64 {
	scale := 200 - float64(2*float64(q))
	if q < 50 {
		scale = 5000 / float64(q)
	}
	var t [64]float64
	for i, b := range base {
		t[i] = min(max(math.Floor((float64(b*scale)+50)/100), 1), 255)
	}
	return t
}

// dctCos[u][x] = c(u)/2 · cos((2x+1)uπ/16), the orthonormal 8-point DCT.
var dctCos = func() [8][8]float64 {
	var t [8][8]float64
	for u := range 8 {
		cu := 1.0
		if u == 0 {
			cu = 1 / math.Sqrt2
		}
		for x := range 8 {
			t[u][x] = float64(cu / 2 * fmath.Cos(float64(2*x+1)*float64(u)*math.Pi/16))
		}
	}
	return t
}()

// jpeg quantises 8×8 DCT blocks of Y, Cb and Cr (full resolution) with the
// quality-scaled standard tables. Blocks past the border replicate edge
// pixels; only pixels inside the image are written back. Each block is
// converted, transformed and converted back on its own (a block reads and
// writes only its own pixels).
func (p *planes) jpeg(q int) {
	tabs := [3][64]float64{jpegTable(&jpegLuma, q), jpegTable(&jpegChroma, q), jpegTable(&jpegChroma, q)}
	var ycc [3][64]float64
	var coef [64]float64
	for by := 0; by < p.h; by += 8 {
		for bx := 0; bx < p.w; bx += 8 {
			for y := range 8 {
				for x := range 8 {
					i := min(by+y, p.h-1)*p.w + min(bx+x, p.w-1)
					r, g, b := float64(255*float64(p.ch[0][i])), float64(255*float64(p.ch[1][i])), float64(255*float64(p.ch[2][i]))
					ycc[0][y*8+x] = float64(0.299*r) + float64(0.587*g) + float64(0.114*b) - 128
					ycc[1][y*8+x] = float64(-0.168736*r) - float64(0.331264*g) + float64(0.5*b)
					ycc[2][y*8+x] = float64(0.5*r) - float64(0.418688*g) - float64(0.081312*b)
				}
			}
			for c := range 3 {
				dct8x8(&ycc[c], &coef)
				t := &tabs[c]
				for k := range coef {
					coef[k] = float64(math.Round(coef[k]/t[k]) * t[k])
				}
				idct8x8(&coef, &ycc[c])
			}
			for y := 0; y < 8 && by+y < p.h; y++ {
				for x := 0; x < 8 && bx+x < p.w; x++ {
					i := (by+y)*p.w + bx + x
					yv, cb, cr := ycc[0][y*8+x]+128, ycc[1][y*8+x], ycc[2][y*8+x]
					p.ch[0][i] = float32((yv + float64(1.402*cr)) / 255)
					p.ch[1][i] = float32((yv - float64(0.344136*cb) - float64(0.714136*cr)) / 255)
					p.ch[2][i] = float32((yv + float64(1.772*cb)) / 255)
				}
			}
		}
	}
}

// dctCosT[x][u] = dctCos[u][x]: rows of the inverse transform.
var dctCosT = func() (t [8][8]float64) {
	for u := range 8 {
		for x := range 8 {
			t[x][u] = dctCos[u][x]
		}
	}
	return t
}()

// dct8x8 and idct8x8 transform rows then columns; every output sums its
// eight products in index order.
func dct8x8(in, out *[64]float64) {
	var tmp [64]float64
	for y := range 8 {
		row := (*[8]float64)(in[y*8 : y*8+8])
		for u := range 8 {
			tmp[u*8+y] = dot8(&dctCos[u], row)
		}
	}
	for u := range 8 {
		col := (*[8]float64)(tmp[u*8 : u*8+8])
		for v := range 8 {
			out[v*8+u] = dot8(&dctCos[v], col)
		}
	}
}

// idct8x8 skips rows of in that are all zero (most, after quantisation):
// their products are zeros, and adding a zero to a sum that starts at +0
// never changes it, so the result is the full transform's bit for bit.
func idct8x8(in, out *[64]float64) {
	var tmp [64]float64
	var rows [8]int
	nz := 0
	for v := range 8 {
		row := (*[8]float64)(in[v*8 : v*8+8])
		if *row == ([8]float64{}) {
			continue
		}
		rows[nz] = v
		nz++
		for x := range 8 {
			tmp[x*8+v] = dot8(&dctCosT[x], row)
		}
	}
	for x := range 8 {
		col := tmp[x*8 : x*8+8]
		for y := range 8 {
			c := &dctCosT[y]
			s := 0.0
			for _, v := range rows[:nz] {
				s += float64(c[v] * col[v])
			}
			out[y*8+x] = s
		}
	}
}

// dot8 is the sum of a[k]·b[k] for k = 0..7, added in that order, each
// product rounded.
func dot8(a, b *[8]float64) float64 {
	s := 0.0
	s += float64(a[0] * b[0])
	s += float64(a[1] * b[1])
	s += float64(a[2] * b[2])
	s += float64(a[3] * b[3])
	s += float64(a[4] * b[4])
	s += float64(a[5] * b[5])
	s += float64(a[6] * b[6])
	s += float64(a[7] * b[7])
	return s
}

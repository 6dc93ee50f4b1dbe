package style

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
// writes only its own pixels); on amd64 blocks inside the image convert two
// pixels at a time (yccBlock, yccBack), with the same operations.
func (p *planes) jpeg(q int) {
	tabs := [3][64]float64{jpegTable(&jpegLuma, q), jpegTable(&jpegChroma, q), jpegTable(&jpegChroma, q)}
	var ycc [3][64]float64
	var coef, quant [64]float64
	var invs [3][64]float64
	for c := range tabs {
		for k, t := range tabs[c] {
			invs[c][k] = 1 / t
		}
	}
	for by := 0; by < p.h; by += 8 {
		for bx := 0; bx < p.w; bx += 8 {
			inside := by+8 <= p.h && bx+8 <= p.w
			if !inside || !yccBlock(&ycc, p, by*p.w+bx) {
				for y := range 8 {
					for x := range 8 {
						i := min(by+y, p.h-1)*p.w + min(bx+x, p.w-1)
						r, g, b := float64(255*float64(p.ch[0][i])), float64(255*float64(p.ch[1][i])), float64(255*float64(p.ch[2][i]))
						ycc[0][y*8+x] = float64(0.299*r) + float64(0.587*g) + float64(0.114*b) - 128
						ycc[1][y*8+x] = float64(-0.168736*r) - float64(0.331264*g) + float64(0.5*b)
						ycc[2][y*8+x] = float64(0.5*r) - float64(0.418688*g) - float64(0.081312*b)
					}
				}
			}
			for c := range 3 {
				dct8x8(&ycc[c], &coef)
				quantizeInto(&quant, &coef, &tabs[c], &invs[c])
				idct8x8(&quant, &ycc[c])
			}
			if inside && yccBack(&ycc, p, by*p.w+bx) {
				continue
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

// roundMagic is 1.5·2^52: for |q| < 2^51, (q + roundMagic) - roundMagic
// is q rounded to an integer.
const roundMagic = 1.5 * (1 << 52)

// quantize sets every coefficient c to math.Round(c/t)·t, t its table
// entry, without the division where that is provably the same: q = c·(1/t)
// is within 4e-7 of c/t (rounded) for |q| < 2^30, so when q is within
// 0.4999 of an integer n, c/t rounds to n too, and n·t (exact) carries c's
// sign as Round does, zeros included. Other coefficients divide.
func quantize(coef, t, inv *[64]float64) {
	for k, c := range coef {
		q := float64(c * inv[k])
		n := float64(q+roundMagic) - roundMagic
		if math.Abs(q) < 1<<30 && math.Abs(q-n) < 0.4999 {
			coef[k] = float64(math.Copysign(n, c) * t[k])
			continue
		}
		coef[k] = float64(math.Round(c/t[k]) * t[k])
	}
}

// dctCosFlat is dctCos as one row-major array, dctCosTFlat its transpose
// (dctCosTFlat[x*8+u] = dctCos[u][x]), for mul8.
var dctCosFlat, dctCosTFlat = func() (f, t [64]float64) {
	for u := range 8 {
		for x := range 8 {
			f[u*8+x], t[x*8+u] = dctCos[u][x], dctCos[u][x]
		}
	}
	return f, t
}()

// dct8x8 transforms rows then columns; every output is the sum, from +0,
// of its eight rounded products in index order (refDCT in the tests is the
// direct form), four outputs interleaved at a time.
func dct8x8(in, out *[64]float64) {
	var tmp [64]float64
	if jpegSIMD {
		// tmp[y][u] = Σ_x in[y][x]·dctCos[u][x], then
		// out[v][u] = Σ_y dctCos[v][y]·tmp[y][u]: the same sums.
		mul8(&tmp, in, &dctCosTFlat)
		mul8(out, &dctCosFlat, &tmp)
		return
	}
	for y := range 8 {
		o0, o1, o2, o3, o4, o5, o6, o7 := transform8(&dctCos, (*[8]float64)(in[y*8:y*8+8]))
		tmp[y], tmp[8+y], tmp[16+y], tmp[24+y], tmp[32+y], tmp[40+y], tmp[48+y], tmp[56+y] = o0, o1, o2, o3, o4, o5, o6, o7
	}
	for u := range 8 {
		o0, o1, o2, o3, o4, o5, o6, o7 := transform8(&dctCos, (*[8]float64)(tmp[u*8:u*8+8]))
		out[u], out[8+u], out[16+u], out[24+u], out[32+u], out[40+u], out[48+u], out[56+u] = o0, o1, o2, o3, o4, o5, o6, o7
	}
}

// transform8 returns Σ_k m[u][k]·r[k] for u = 0..7. Each sum starts at +0
// and adds its rounded products in index order k; four independent sums
// are interleaved so that they overlap in the pipeline.
func transform8(m *[8][8]float64, r *[8]float64) (o0, o1, o2, o3, o4, o5, o6, o7 float64) {
	o0, o1, o2, o3 = dot8x4((*[4][8]float64)(m[0:4]), r)
	o4, o5, o6, o7 = dot8x4((*[4][8]float64)(m[4:8]), r)
	return
}

// dot8x4 returns the sums, from +0, of m[u][k]·r[k] in index order k for
// u = 0..3, interleaved.
func dot8x4(m *[4][8]float64, r *[8]float64) (s0, s1, s2, s3 float64) {
	a, b, c, d := &m[0], &m[1], &m[2], &m[3]
	for k := range 8 {
		rk := r[k]
		s0 += float64(a[k] * rk)
		s1 += float64(b[k] * rk)
		s2 += float64(c[k] * rk)
		s3 += float64(d[k] * rk)
	}
	return
}

// idct8x8 is the inverse transform, rows then columns, with every output
// the sum, from +0, of its rounded products in index order, skipping the
// products of zero coefficients (most, after quantisation): such a product
// is a zero, and adding a zero to a sum that starts at +0 never changes it
// (the sum is never -0), so the result is the full transform's bit for
// bit (refIDCT in the tests is the direct form).
func idct8x8(in, out *[64]float64) {
	if jpegSIMD {
		// tmp[v][x] = Σ_u in[v][u]·dctCos[u][x], then
		// out[y][x] = Σ_v dctCos[v][y]·tmp[v][x], zero terms included.
		var tmp [64]float64
		mul8(&tmp, in, &dctCosFlat)
		mul8(out, &dctCosTFlat, &tmp)
		return
	}
	// Pass 1: row v of in gives tmp[v][x] = Σ_u dctCos[u][x]·in[v][u].
	var tmp [64]float64
	var rows [8]int
	nr := 0
	for v := range 8 {
		row := (*[8]float64)(in[v*8 : v*8+8])
		var us [8]int
		n := 0
		for u, c := range row {
			us[n] = u
			if c != 0 {
				n++
			}
		}
		if n == 0 {
			continue
		}
		rows[nr] = v
		nr++
		var t0, t1, t2, t3, t4, t5, t6, t7 float64
		for _, u := range us[:n] {
			c, m := row[u&7], &dctCos[u&7]
			t0 += float64(m[0] * c)
			t1 += float64(m[1] * c)
			t2 += float64(m[2] * c)
			t3 += float64(m[3] * c)
			t4 += float64(m[4] * c)
			t5 += float64(m[5] * c)
			t6 += float64(m[6] * c)
			t7 += float64(m[7] * c)
		}
		t := (*[8]float64)(tmp[v*8 : v*8+8])
		t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7] = t0, t1, t2, t3, t4, t5, t6, t7
	}
	// Pass 2: out[y][x] = Σ_v dctCos[v][y]·tmp[v][x], over the rows that
	// had a non-zero coefficient (the others are all +0).
	for y := range 8 {
		o := (*[8]float64)(out[y*8 : y*8+8])
		for h := 0; h < 8; h += 4 {
			var o0, o1, o2, o3 float64
			for _, v := range rows[:nr] {
				c, t := dctCos[v&7][y], (*[4]float64)(tmp[(v&7)*8+h:(v&7)*8+h+4])
				o0 += float64(c * t[0])
				o1 += float64(c * t[1])
				o2 += float64(c * t[2])
				o3 += float64(c * t[3])
			}
			o[h], o[h+1], o[h+2], o[h+3] = o0, o1, o2, o3
		}
	}
}

package style

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBlurJPEGMatchReference checks that the optimised blur (no clamping
// inside), JPEG step (block by block, zero rows skipped) and chromatic
// aberration (taps per row and column) give the direct forms' values bit
// for bit, on noise and on smooth images, at
// several sizes and qualities.
func TestBlurJPEGMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{64, 64}, {33, 17}, {5, 9}, {128, 40}} {
		for _, q := range []int{100, 90, 50, 10} {
			for _, smooth := range []bool{false, true} {
				p := newPlanes(sz[0], sz[1])
				for c := range 3 {
					for i := range p.ch[c] {
						p.ch[c][i] = rng.Float32()
						if smooth {
							p.ch[c][i] = float32(i%sz[0]+c) / float32(sz[0]+2)
						}
					}
				}
				ref := newPlanes(sz[0], sz[1])
				for c := range 3 {
					copy(ref.ch[c], p.ch[c])
				}
				p.blur(1, 0.9)
				ref.refBlur(1, 0.9)
				p.blur(0, 2.5)
				ref.refBlur(0, 2.5)
				p.jpeg(q)
				ref.refJPEG(q)
				p.chromatic(0.4 * float64(q) / 50)
				ref.refChromatic(0.4 * float64(q) / 50)
				for c := range 3 {
					if !slices.Equal(p.ch[c], ref.ch[c]) {
						t.Fatalf("%dx%d quality %d smooth %v: channel %d differs from the direct form", sz[0], sz[1], q, smooth, c)
					}
				}
			}
		}
	}
}

// refBlur is the direct form of blur (every tap clamped):
// blur applies a separable Gaussian of sigma pixels to channel c, with
// borders clamped.
func (p *planes) refBlur(c int, sigma float64) {
	k := gaussKernel(sigma)
	r := len(k) / 2
	q := p.ch[c]
	tmp := make([]float32, len(q))
	for y := range p.h {
		row := q[y*p.w : (y+1)*p.w]
		for x := range p.w {
			var s float32
			for i, wt := range k {
				s += float32(wt * row[min(max(x+i-r, 0), p.w-1)])
			}
			tmp[y*p.w+x] = s
		}
	}
	for y := range p.h {
		for x := range p.w {
			var s float32
			for i, wt := range k {
				s += float32(wt * tmp[min(max(y+i-r, 0), p.h-1)*p.w+x])
			}
			q[y*p.w+x] = s
		}
	}
}

// refJPEG is the direct form of jpeg (whole planes, every product):
// jpeg quantises 8×8 DCT blocks of Y, Cb and Cr (full resolution) with the
// quality-scaled standard tables. Blocks past the border replicate edge
// pixels; only pixels inside the image are written back.
func (p *planes) refJPEG(q int) {
	tabs := [3][64]float64{jpegTable(&jpegLuma, q), jpegTable(&jpegChroma, q), jpegTable(&jpegChroma, q)}
	n := p.w * p.h
	var ycc [3][]float64
	for c := range ycc {
		ycc[c] = make([]float64, n)
	}
	for i := range n {
		r, g, b := float64(255*float64(p.ch[0][i])), float64(255*float64(p.ch[1][i])), float64(255*float64(p.ch[2][i]))
		ycc[0][i] = float64(0.299*r) + float64(0.587*g) + float64(0.114*b) - 128
		ycc[1][i] = float64(-0.168736*r) - float64(0.331264*g) + float64(0.5*b)
		ycc[2][i] = float64(0.5*r) - float64(0.418688*g) - float64(0.081312*b)
	}
	var blk, coef [64]float64
	for c := range 3 {
		for by := 0; by < p.h; by += 8 {
			for bx := 0; bx < p.w; bx += 8 {
				for y := range 8 {
					for x := range 8 {
						blk[y*8+x] = ycc[c][min(by+y, p.h-1)*p.w+min(bx+x, p.w-1)]
					}
				}
				refDCT(&blk, &coef)
				for k := range coef {
					coef[k] = float64(math.Round(coef[k]/tabs[c][k]) * tabs[c][k])
				}
				refIDCT(&coef, &blk)
				for y := 0; y < 8 && by+y < p.h; y++ {
					for x := 0; x < 8 && bx+x < p.w; x++ {
						ycc[c][(by+y)*p.w+bx+x] = blk[y*8+x]
					}
				}
			}
		}
	}
	for i := range n {
		y, cb, cr := ycc[0][i]+128, ycc[1][i], ycc[2][i]
		p.ch[0][i] = float32((y + float64(1.402*cr)) / 255)
		p.ch[1][i] = float32((y - float64(0.344136*cb) - float64(0.714136*cr)) / 255)
		p.ch[2][i] = float32((y + float64(1.772*cb)) / 255)
	}
}

func refDCT(in, out *[64]float64) {
	var tmp [64]float64
	for y := range 8 {
		for u := range 8 {
			s := 0.0
			for x := range 8 {
				s += float64(dctCos[u][x] * in[y*8+x])
			}
			tmp[y*8+u] = s
		}
	}
	for u := range 8 {
		for v := range 8 {
			s := 0.0
			for y := range 8 {
				s += float64(dctCos[v][y] * tmp[y*8+u])
			}
			out[v*8+u] = s
		}
	}
}

func refIDCT(in, out *[64]float64) {
	var tmp [64]float64
	for v := range 8 {
		for x := range 8 {
			s := 0.0
			for u := range 8 {
				s += float64(dctCos[u][x] * in[v*8+u])
			}
			tmp[v*8+x] = s
		}
	}
	for x := range 8 {
		for y := range 8 {
			s := 0.0
			for v := range 8 {
				s += float64(dctCos[v][y] * tmp[v*8+x])
			}
			out[y*8+x] = s
		}
	}
}

// refChromatic is the direct form of chromatic (a bilinear sample worked
// out per pixel).
func (p *planes) refChromatic(px float64) {
	k := px / p.cornerRadius()
	p.ch[0] = p.refRadialResample(p.ch[0], 1/(1+k))
	p.ch[2] = p.refRadialResample(p.ch[2], 1/(1-k))
}

func (p *planes) refRadialResample(q []float32, scale float64) []float32 {
	out := make([]float32, len(q))
	cx, cy := float64(float64(p.w)/2), float64(float64(p.h)/2)
	for y := range p.h {
		sy := cy + float64((float64(y)+0.5-cy)*scale) - 0.5
		for x := range p.w {
			sx := cx + float64((float64(x)+0.5-cx)*scale) - 0.5
			out[y*p.w+x] = p.refBilinear(q, sx, sy)
		}
	}
	return out
}

func (p *planes) refBilinear(q []float32, x, y float64) float32 {
	x = min(max(x, 0), float64(p.w-1))
	y = min(max(y, 0), float64(p.h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, p.w-1), min(y0+1, p.h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	a := float32(q[y0*p.w+x0]*(1-fx)) + float32(q[y0*p.w+x1]*fx)
	b := float32(q[y1*p.w+x0]*(1-fx)) + float32(q[y1*p.w+x1]*fx)
	return float32(a*(1-fy)) + float32(b*fy)
}

// TestQuantizeMatchesDivision holds quantize (a product instead of the
// division where provably equal) to math.Round(c/t)·t, signed zeros
// included, on random coefficients, on ones a few ulps either side of every
// rounding boundary up to 40.5·t, and on huge ones.
func TestQuantizeMatchesDivision(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, q := range []int{100, 90, 75, 50, 10, 1} {
		for _, base := range []*[64]float64{&jpegLuma, &jpegChroma} {
			tab := jpegTable(base, q)
			var inv [64]float64
			for k, v := range tab {
				inv[k] = 1 / v
			}
			for round := range 2000 {
				var coef [64]float64
				for k := range coef {
					switch {
					case round == 0:
						coef[k] = math.Copysign(0, float64(k%2*2-1))
					case round == 1:
						coef[k] = math.Ldexp(float64(k+1), 20+k)
					case round < 500:
						coef[k] = (rng.Float64()*2 - 1) * 3 * tab[k]
					default:
						c := (float64(rng.IntN(41)) + 0.5*float64(rng.IntN(2))) * tab[k]
						for range rng.IntN(6) {
							c = math.Nextafter(c, math.Inf(2*rng.IntN(2)-1))
						}
						coef[k] = c * float64(2*rng.IntN(2)-1)
					}
				}
				want := coef
				for k := range want {
					want[k] = float64(math.Round(want[k]/tab[k]) * tab[k])
				}
				var vec [64]float64
				quantizeInto(&vec, &coef, &tab, &inv)
				quantize(&coef, &tab, &inv)
				for k := range coef {
					if math.Float64bits(coef[k]) != math.Float64bits(want[k]) {
						t.Fatalf("quality %d, coefficient %d: got %v, math.Round(c/t)·t gives %v", q, k, coef[k], want[k])
					}
					if math.Float64bits(vec[k]) != math.Float64bits(want[k]) {
						t.Fatalf("quality %d, coefficient %d: quantizeInto gives %v, math.Round(c/t)·t gives %v (SIMD %v)", q, k, vec[k], want[k], jpegSIMD)
					}
				}
			}
		}
	}
}

// TestTransformsMatchReference holds dct8x8 and idct8x8 (SIMD products on
// amd64 unless CGX_SIMD=off, Go loops elsewhere) to refDCT and refIDCT bit
// for bit on random blocks, sparse blocks with zeros of both signs, and
// blocks of large and tiny values.
func TestTransformsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for round := range 3000 {
		var in [64]float64
		for k := range in {
			switch round % 3 {
			case 0:
				in[k] = rng.Float64()*510 - 255
			case 1:
				if rng.IntN(3) == 0 {
					in[k] = float64(rng.IntN(41)-20) * float64(rng.IntN(20)+1)
				} else {
					in[k] = math.Copysign(0, float64(rng.IntN(2)*2-1))
				}
			default:
				in[k] = math.Ldexp(rng.Float64()-0.5, rng.IntN(200)-100)
			}
		}
		var got, want [64]float64
		dct8x8(&in, &got)
		refDCT(&in, &want)
		for k := range got {
			if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
				t.Fatalf("round %d: dct8x8[%d] = %v, direct form %v (SIMD %v)", round, k, got[k], want[k], jpegSIMD)
			}
		}
		idct8x8(&in, &got)
		refIDCT(&in, &want)
		for k := range got {
			if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
				t.Fatalf("round %d: idct8x8[%d] = %v, direct form %v (SIMD %v)", round, k, got[k], want[k], jpegSIMD)
			}
		}
	}
}

// TestJPEGWideValues holds the JPEG step (SIMD colour conversions and
// transforms on amd64 unless CGX_SIMD=off) to refJPEG bit for bit on
// values beyond [0, 1], signed zeros and subnormals, at sizes with and
// without partial blocks.
func TestJPEGWideValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, 1, 3.5, -2}
	for _, sz := range [][2]int{{16, 16}, {24, 8}, {13, 21}} {
		for _, q := range []int{95, 90, 30} {
			p, ref := newPlanes(sz[0], sz[1]), newPlanes(sz[0], sz[1])
			for c := range 3 {
				for i := range p.ch[c] {
					v := rng.Float32()*2 - 0.5
					if rng.IntN(5) == 0 {
						v = special[rng.IntN(len(special))]
					}
					p.ch[c][i], ref.ch[c][i] = v, v
				}
			}
			p.jpeg(q)
			ref.refJPEG(q)
			for c := range 3 {
				for i := range p.ch[c] {
					if math.Float32bits(p.ch[c][i]) != math.Float32bits(ref.ch[c][i]) {
						t.Fatalf("%dx%d quality %d: channel %d value %d is %v, direct form %v", sz[0], sz[1], q, c, i, p.ch[c][i], ref.ch[c][i])
					}
				}
			}
		}
	}
}

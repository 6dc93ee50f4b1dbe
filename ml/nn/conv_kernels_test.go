package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIm2colMatchesDefinition checks im2col (both its general and its
// same-width path) element by element, and col2im as its adjoint:
// <im2col(x), c> = <x, col2im(c)>.
func TestIm2colMatchesDefinition(t *testing.T) {
	cases := []struct {
		name                   string
		cin, h, w, kh, kw, pad int
	}{
		{"3x3 pad1 (same width)", 2, 5, 6, 3, 3, 1},
		{"3x5 pad2 (same width, taller output)", 2, 4, 5, 3, 5, 2},
		{"5x5 pad2", 1, 6, 6, 5, 5, 2},
		{"3x3 no padding", 3, 5, 4, 3, 3, 0},
		{"2x3 pad2", 1, 4, 5, 2, 3, 2},
		{"kernel wider than image with padding", 1, 2, 2, 3, 5, 2},
		{"1x1", 4, 3, 3, 1, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := newConvGeom(c.cin, 1, c.kh, c.kw, c.pad, c.h, c.w)
			rng := rand.New(rand.NewPCG(1, 2))
			x := make([]float32, g.inSize())
			for i := range x {
				x[i] = float32(rng.Float64()*2 - 1)
			}
			col := make([]float32, g.colSize())
			for i := range col {
				col[i] = 99 // must all be overwritten
			}
			g.im2col(x, col)
			ohw := g.oh * g.ow
			for ci := 0; ci < c.cin; ci++ {
				for ky := 0; ky < c.kh; ky++ {
					for kx := 0; kx < c.kw; kx++ {
						r := (ci*c.kh+ky)*c.kw + kx
						for oy := 0; oy < g.oh; oy++ {
							for ox := 0; ox < g.ow; ox++ {
								iy, ix := oy+ky-c.pad, ox+kx-c.pad
								want := float32(0)
								if iy >= 0 && iy < c.h && ix >= 0 && ix < c.w {
									want = x[(ci*c.h+iy)*c.w+ix]
								}
								if got := col[r*ohw+oy*g.ow+ox]; got != want {
									t.Fatalf("col[row %d][%d,%d] = %v, want %v", r, oy, ox, got, want)
								}
							}
						}
					}
				}
			}
			cv := make([]float32, len(col))
			for i := range cv {
				cv[i] = float32(rng.Float64()*2 - 1)
			}
			dx := make([]float32, len(x))
			g.col2im(cv, dx)
			var lhs, rhs float64
			for i := range col {
				lhs += float64(col[i]) * float64(cv[i])
			}
			for i := range x {
				rhs += float64(x[i]) * float64(dx[i])
			}
			if math.Abs(lhs-rhs) > 1e-4*(1+math.Abs(lhs)) {
				t.Fatalf("<im2col(x), c> = %v but <x, col2im(c)> = %v", lhs, rhs)
			}
		})
	}
}

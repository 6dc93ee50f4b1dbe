package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIm2colMatchesDefinition checks im2col (its general and same-width
// paths) element by element on the whole output and on bands of rows, and
// col2im as its adjoint: <im2col(x), c> = <x, col2im(c)>.
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
			for _, band := range [][2]int{{0, g.oh}, {0, 1}, {g.oh / 2, g.oh}, {g.oh - 1, g.oh}} {
				checkBand(t, g, x, band[0], band[1], rng)
			}
		})
	}
}

func checkBand(t *testing.T, g convGeom, x []float32, r0, r1 int, rng *rand.Rand) {
	t.Helper()
	n := (r1 - r0) * g.ow
	col := make([]float32, g.k()*n)
	for i := range col {
		col[i] = 99 // must all be overwritten
	}
	g.im2col(x, col, r0, r1)
	for ci := 0; ci < g.cin; ci++ {
		for ky := 0; ky < g.kh; ky++ {
			for kx := 0; kx < g.kw; kx++ {
				r := (ci*g.kh+ky)*g.kw + kx
				for oy := r0; oy < r1; oy++ {
					for ox := 0; ox < g.ow; ox++ {
						iy, ix := oy+ky-g.pad, ox+kx-g.pad
						want := float32(0)
						if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
							want = x[(ci*g.h+iy)*g.w+ix]
						}
						if got := col[r*n+(oy-r0)*g.ow+ox]; got != want {
							t.Fatalf("rows %d..%d: col[row %d][%d,%d] = %v, want %v", r0, r1, r, oy, ox, got, want)
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
	var lhs float64
	for i := range col {
		lhs += float64(col[i]) * float64(cv[i])
	}
	dx := make([]float32, len(x))
	g.col2im(cv, dx, r0, r1)
	var rhs float64
	for i := range x {
		rhs += float64(x[i]) * float64(dx[i])
	}
	if math.Abs(lhs-rhs) > 1e-4*(1+math.Abs(lhs)) {
		t.Fatalf("rows %d..%d: <im2col(x), c> = %v but <x, col2im(c)> = %v", r0, r1, lhs, rhs)
	}
}

func TestBandHeights(t *testing.T) {
	cases := []struct {
		name                     string
		cin, h, w, k, pad, align int
		wantBand                 int
	}{
		{"reference layer 1 in two bands", 3, 64, 64, 3, 1, 2, 32},
		{"reference layer 2 in four bands", 32, 32, 32, 3, 1, 2, 8},
		{"reference layer 3 in bands of whole windows", 64, 16, 16, 3, 1, 2, 6},
		{"single row output", 8, 1, 4096, 1, 0, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := newConvGeom(c.cin, 4, c.k, c.k, c.pad, c.h, c.w).withBandAlign(c.align)
			if g.band != c.wantBand {
				t.Fatalf("band = %d rows, want %d", g.band, c.wantBand)
			}
			if g.band%c.align != 0 && g.band != g.oh {
				t.Fatalf("band %d not a multiple of %d", g.band, c.align)
			}
		})
	}
}

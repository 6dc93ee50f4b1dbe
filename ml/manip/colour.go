package manip

import "fmt"

// clamp01 limits v to [0,1] (NaN stays NaN).
func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// inside01 reports whether v lies in [0,1], boundaries included: whether the
// gradient passes through clamp01.
func inside01(v float64) bool { return v >= 0 && v <= 1 }

var channelSuffix = [3]string{"r", "g", "b"}

func newBrightnessContrast(Options) *manipulation {
	ps := make([]Param, 0, 6)
	for _, c := range channelSuffix {
		ps = append(ps, Param{Name: "brightness_" + c, Low: -1, High: 1})
	}
	for _, c := range channelSuffix {
		ps = append(ps, Param{Name: "contrast_" + c, Low: -1, High: 1})
	}
	return &manipulation{name: "brightness-contrast", params: ps, kern32: brightnessContrast[float32]{}, kern64: brightnessContrast[float64]{}}
}

// brightnessContrast: x'_c = clamp(x_c*(1+contrast_c) + brightness_c).
// Values: brightness_r,g,b, contrast_r,g,b.
type brightnessContrast[T float] struct{}

func (brightnessContrast[T]) check(h, w int) error { return nil }

func (brightnessContrast[T]) forward(dst, src []T, im *imageArgs) {
	n := im.h * im.w
	for c := range 3 {
		b, f := im.p[c], 1+im.p[3+c]
		s, d := src[c*n:(c+1)*n], dst[c*n:(c+1)*n]
		for i, x := range s {
			d[i] = T(clamp01(float64(float64(x)*f) + b))
		}
	}
}

func (brightnessContrast[T]) backward(gv []float64, src, g []T, im *imageArgs) {
	n := im.h * im.w
	for c := range 3 {
		b, f := im.p[c], 1+im.p[3+c]
		s, gs := src[c*n:(c+1)*n], g[c*n:(c+1)*n]
		gs = gs[:len(s)]
		var gb, gc float64
		for i, x := range s {
			if x := float64(x); inside01(float64(x*f) + b) {
				gi := float64(gs[i])
				gb += gi
				gc += float64(gi * x)
			}
		}
		gv[c], gv[3+c] = gb, gc
	}
}

func newPatchBrightnessContrast(o Options) *manipulation {
	r, c := o.GridRows, o.GridCols
	ps := make([]Param, 0, 2*r*c)
	for _, kind := range []string{"brightness", "contrast"} {
		for i := range r {
			for j := range c {
				ps = append(ps, Param{Name: fmt.Sprintf("%s_%d_%d", kind, i, j), Low: -1, High: 1})
			}
		}
	}
	return &manipulation{
		name:   "patch-brightness-contrast",
		config: fmt.Sprintf("grid=%dx%d", r, c),
		params: ps,
		kern32: patchBrightnessContrast[float32]{rows: r, cols: c},
		kern64: patchBrightnessContrast[float64]{rows: r, cols: c},
	}
}

// patchBrightnessContrast applies brightness/contrast, the same to all three
// channels, on each cell of a rows x cols grid. Cell (i,j) covers image rows
// [i*h/rows, (i+1)*h/rows) and columns [j*w/cols, (j+1)*w/cols) (integer
// division). Values: all brightness_<i>_<j> in row-major order, then all
// contrast_<i>_<j>.
type patchBrightnessContrast[T float] struct{ rows, cols int }

func (k patchBrightnessContrast[T]) check(h, w int) error {
	if h < k.rows || w < k.cols {
		return fmt.Errorf("%w: a %dx%d image is smaller than the %dx%d patch grid; choose a smaller grid", ErrShape, h, w, k.rows, k.cols)
	}
	return nil
}

// cellBounds returns the half-open pixel range of cell i of n over size.
func cellBounds(i, n, size int) (int, int) { return i * size / n, (i + 1) * size / n }

func (k patchBrightnessContrast[T]) forward(dst, src []T, im *imageArgs) {
	h, w, cells := im.h, im.w, k.rows*k.cols
	for ch := range 3 {
		plane := ch * h * w
		for ci := range k.rows {
			y0, y1 := cellBounds(ci, k.rows, h)
			for cj := range k.cols {
				x0, x1 := cellBounds(cj, k.cols, w)
				cell := ci*k.cols + cj
				b, f := im.p[cell], 1+im.p[cells+cell]
				for y := y0; y < y1; y++ {
					row := plane + y*w
					for x := x0; x < x1; x++ {
						dst[row+x] = T(clamp01(float64(float64(src[row+x])*f) + b))
					}
				}
			}
		}
	}
}

func (k patchBrightnessContrast[T]) backward(gv []float64, src, g []T, im *imageArgs) {
	h, w, cells := im.h, im.w, k.rows*k.cols
	for ci := range k.rows {
		y0, y1 := cellBounds(ci, k.rows, h)
		for cj := range k.cols {
			x0, x1 := cellBounds(cj, k.cols, w)
			cell := ci*k.cols + cj
			b, f := im.p[cell], 1+im.p[cells+cell]
			var gb, gc float64
			for ch := range 3 {
				plane := ch * h * w
				for y := y0; y < y1; y++ {
					row := plane + y*w
					for x := x0; x < x1; x++ {
						if v := float64(src[row+x]); inside01(float64(v*f) + b) {
							gi := float64(g[row+x])
							gb += gi
							gc += float64(gi * v)
						}
					}
				}
			}
			gv[cell], gv[cells+cell] = gb, gc
		}
	}
}

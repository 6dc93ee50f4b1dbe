package nn

import "math"

// Float64 reference implementations, written as plainly as possible, that
// the fast float32 kernels are checked against.

// refConv computes act(conv(x, w) + b) for x [n][cin][h][w] flattened.
func refConv(x, w, b []float64, n, cin, h, wd, cout, kh, kw, pad int, relu bool) []float64 {
	oh, ow := h+2*pad-kh+1, wd+2*pad-kw+1
	y := make([]float64, n*cout*oh*ow)
	for i := 0; i < n; i++ {
		for co := 0; co < cout; co++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					s := b[co]
					for c := 0; c < cin; c++ {
						for ky := 0; ky < kh; ky++ {
							for kx := 0; kx < kw; kx++ {
								iy, ix := oy+ky-pad, ox+kx-pad
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								s += x[((i*cin+c)*h+iy)*wd+ix] * w[((co*cin+c)*kh+ky)*kw+kx]
							}
						}
					}
					if relu {
						s = math.Max(s, 0)
					}
					y[((i*cout+co)*oh+oy)*ow+ox] = s
				}
			}
		}
	}
	return y
}

func refPool(x []float64, n, c, h, w, k int) []float64 {
	oh, ow := h/k, w/k
	y := make([]float64, n*c*oh*ow)
	for p := 0; p < n*c; p++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				m := math.Inf(-1)
				for dy := 0; dy < k; dy++ {
					for dx := 0; dx < k; dx++ {
						m = math.Max(m, x[p*h*w+(oy*k+dy)*w+ox*k+dx])
					}
				}
				y[p*oh*ow+oy*ow+ox] = m
			}
		}
	}
	return y
}

func refLinear(x, w, b []float64, n, f, m int) []float64 {
	y := make([]float64, n*m)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			s := b[j]
			for q := 0; q < f; q++ {
				s += x[i*f+q] * w[j*f+q]
			}
			y[i*m+j] = s
		}
	}
	return y
}

func refCE(z, t []float64, n, k int) float64 {
	var loss float64
	for i := 0; i < n; i++ {
		m := math.Inf(-1)
		for j := 0; j < k; j++ {
			m = math.Max(m, z[i*k+j])
		}
		var s float64
		for j := 0; j < k; j++ {
			s += math.Exp(z[i*k+j] - m)
		}
		for j := 0; j < k; j++ {
			loss -= t[i*k+j] * (z[i*k+j] - m - math.Log(s))
		}
	}
	return loss
}

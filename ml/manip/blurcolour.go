package manip

import "fmt"

func newBlurBrightnessContrast(o Options) *manipulation {
	ps := newBrightnessContrast(o).params
	ps = append(ps, Param{Name: "sigma", Identity: blurIdentity, Low: 0, High: blurHigh, Softplus: true})
	return &manipulation{
		name:   "blur-brightness-contrast",
		config: fmt.Sprintf("radius=%d", o.BlurRadius),
		params: ps,
		kern32: blurColour[float32]{radius: o.BlurRadius},
		kern64: blurColour[float64]{radius: o.BlurRadius},
	}
}

// blurColour is a Gaussian blur followed by brightness/contrast per channel,
// fitted jointly, so one fit can say how much of a gap is colour and how
// much is sharpness:
//
//	x'_c = clamp(B_c * (1 + contrast_c) + brightness_c),  B = blur(x; sigma)
//
// Values: brightness_r,g,b, contrast_r,g,b, sigma. The blurred image stays in
// float64 (rounded once, at the end), and both stages use the kernels of
// blur and brightness-contrast.
type blurColour[T float] struct{ radius int }

func (blurColour[T]) check(h, w int) error { return nil }

// blurred returns src in float64 (workspace buffer 0) and blur(src; sigma)
// (buffer 1), and the arguments the blur kernel runs with.
func (k blurColour[T]) blurred(src []T, im *imageArgs) (s64, b []float64, sub *imageArgs) {
	n := 3 * im.h * im.w
	s64, b = im.ws.buf(0, n), im.ws.buf(1, n)
	for i, v := range src[:n] {
		s64[i] = float64(v)
	}
	sub = &imageArgs{h: im.h, w: im.w, p: im.p[6:7], ws: im.ws.sub()}
	gaussianBlur[float64]{radius: k.radius}.forward(b, s64, sub)
	return s64, b, sub
}

func (k blurColour[T]) forward(dst, src []T, im *imageArgs) {
	_, b, _ := k.blurred(src, im)
	n := im.h * im.w
	for c := range 3 {
		off, f := im.p[c], 1+im.p[3+c]
		s, d := b[c*n:(c+1)*n], dst[c*n:(c+1)*n]
		for i, x := range s {
			d[i] = T(clamp01(float64(x*f) + off))
		}
	}
}

// backward: brightness and contrast as in brightness-contrast, on the
// blurred image; sigma through the blur kernel's backward with the gradient
// reaching the blurred image, g * (1 + contrast_c) where unclamped.
func (k blurColour[T]) backward(gv []float64, src, g []T, im *imageArgs) {
	s64, b, sub := k.blurred(src, im)
	n := im.h * im.w
	gb := im.ws.buf(2, 3*n)
	for c := range 3 {
		off, f := im.p[c], 1+im.p[3+c]
		s, gs, gbc := b[c*n:(c+1)*n], g[c*n:(c+1)*n], gb[c*n:(c+1)*n]
		var sb, sc float64
		for i, x := range s {
			gbc[i] = 0
			if inside01(float64(x*f) + off) {
				gi := float64(gs[i])
				sb += gi
				sc += float64(gi * x)
				gbc[i] = float64(gi * f)
			}
		}
		gv[c], gv[3+c] = sb, sc
	}
	gaussianBlur[float64]{radius: k.radius}.backward(gv[6:7], s64, gb, sub)
}

package experiments

import (
	"math"
	"strings"
)

// composable reports whether successive fits of manipulation m compose into
// one stated manipulation (compose and remaining are exact for them):
// per-channel brightness/contrast (affine maps compose), blurs (Gaussian
// sigmas add in quadrature, and a blur commutes with a per-channel affine
// map away from clamping) and exposure (stops add).
func composable(m string) bool {
	switch m {
	case "brightness-contrast", "blur", "channel-blur", "blur-brightness-contrast", "exposure":
		return true
	}
	return false
}

// channel returns the channel suffix of a brightness_/contrast_ name.
func channel(name string) (kind, ch string, ok bool) {
	for _, k := range []string{"brightness_", "contrast_"} {
		if c, found := strings.CutPrefix(name, k); found {
			return strings.TrimSuffix(k, "_"), c, true
		}
	}
	return "", "", false
}

// compose returns the values of applying a and then b (same parameter names).
func compose(a, b map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(a))
	for name, bv := range b {
		av, ok := a[name]
		if !ok {
			out[name] = bv
			continue
		}
		kind, ch, isColour := channel(name)
		switch {
		case isColour && kind == "contrast":
			out[name] = float64((1+av)*(1+bv)) - 1
		case isColour:
			out[name] = float64(av*(1+b["contrast_"+ch])) + bv
		case strings.HasPrefix(name, "sigma"):
			out[name] = math.Sqrt(float64(av*av) + float64(bv*bv))
		default: // exposure
			out[name] = av + bv
		}
	}
	return out
}

// remaining returns the gap left after done has been applied: the values r
// with compose(done, r) = planted where a manipulation can express it (a
// blur cannot sharpen: sigma 0 when done already blurred more).
func remaining(planted, done map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(planted))
	for name, pv := range planted {
		dv, ok := done[name]
		if !ok {
			out[name] = pv
			continue
		}
		kind, ch, isColour := channel(name)
		switch {
		case isColour && kind == "contrast":
			out[name] = (1+pv)/(1+dv) - 1
		case isColour:
			cr := (1+planted["contrast_"+ch])/(1+done["contrast_"+ch]) - 1
			out[name] = pv - float64(dv*(1+cr))
		case strings.HasPrefix(name, "sigma"):
			out[name] = math.Sqrt(math.Max(0, float64(pv*pv)-float64(dv*dv)))
		default:
			out[name] = pv - dv
		}
	}
	return out
}

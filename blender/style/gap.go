package style

import "math"

// Gap states the manipulation that takes images of domain from to the look
// of domain to, in the parameter vocabulary of docs/DATA.md, so a report
// can score how well fitted parameters recover a planted gap:
//
//   - brightness_r..b, contrast_r..b: the colour response difference,
//     exact for step 8 of Domain.Apply: x_to = x_from·(1+contrast) +
//     brightness, i.e. contrast = gain_to/gain_from - 1 and brightness =
//     offset_to - offset_from·gain_to/gain_from;
//   - sigma, sigma_r..b: the extra optical blur, sqrt(σ_to² - σ_from²), or
//     0 when to is sharper (a blur cannot sharpen);
//   - exposure: exposure_to - exposure_from, in stops.
//
// Noise is not stated: going from CG to real needs denoising, which no
// manipulation in the vocabulary expresses (as the method found).
func Gap(from, to Domain) map[string]float64 {
	out := map[string]float64{}
	for c, ch := range []string{"r", "g", "b"} {
		k := to.Gain[c] / from.Gain[c]
		out["contrast_"+ch] = k - 1
		out["brightness_"+ch] = to.Offset[c] - float64(from.Offset[c]*k)
	}
	sigma := math.Sqrt(math.Max(0, float64(to.BlurSigma*to.BlurSigma)-float64(from.BlurSigma*from.BlurSigma)))
	out["sigma"] = sigma
	for _, ch := range []string{"r", "g", "b"} {
		out["sigma_"+ch] = sigma
	}
	out["exposure"] = to.Exposure - from.Exposure
	return out
}

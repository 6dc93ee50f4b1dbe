package style

import (
	"fmt"

	"github.com/cgx-dev/cgx/internal/seeds"
)

// Range is a uniform distribution [lo, hi] of a domain parameter drawn per
// image; a zero Range (lo = hi = 0) leaves the parameter at the domain's
// fixed value.
type Range [2]float64

func (r Range) set() bool { return r != Range{} }

// at returns lo + u·(hi - lo).
func (r Range) at(u float64) float64 { return r[0] + float64(u*(r[1]-r[0])) }

// Variation states which parameters of a domain are drawn per image and
// from what: each image of a dataset gets its own values, drawn from the
// image's seed (see ImageDomain), so the gap between two domains differs
// per image and fits can be scored image by image.
//
// The draws come in independent groups, one uniform number u per group and
// image: colour (Gain and Offset share u, so a channel's gain and offset
// move together: one colour-cast strength per image), blur (BlurSigma),
// noise (RenderNoise and ReadNoise share u) and Exposure.
type Variation struct {
	Gain        [3]Range `json:"gain"`
	Offset      [3]Range `json:"offset"`
	BlurSigma   Range    `json:"blur_sigma"`
	RenderNoise Range    `json:"render_noise"`
	ReadNoise   Range    `json:"read_noise"`
	Exposure    Range    `json:"exposure"`
}

// Variation groups: the stream each group's uniform number is drawn from.
const (
	varyColour = iota
	varyBlur
	varyNoise
	varyExposure
)

// ImageSeed is the seed datasets.Generate gives Domain.Apply for image index of a
// dataset generated with datasetSeed.
func ImageSeed(datasetSeed int64, index int) uint64 {
	return seeds.Child(uint64(datasetSeed), fmt.Sprintf("domain/%d", index))
}

// ImageDomain returns the fixed domain Apply uses for the image whose seed
// is seed (ImageSeed): d itself when nothing varies, else d with every
// varied parameter drawn and Vary cleared.
func (d Domain) ImageDomain(seed uint64) Domain {
	if d.Vary == nil {
		return d
	}
	v := *d.Vary
	s := seeds.Child(seed, "vary")
	u := func(group int) float64 { return counterUniform(s, uint64(group), 0) }
	out := d
	out.Vary = nil
	uc := u(varyColour)
	for c := range 3 {
		if v.Gain[c].set() {
			out.Gain[c] = v.Gain[c].at(uc)
		}
		if v.Offset[c].set() {
			out.Offset[c] = v.Offset[c].at(uc)
		}
	}
	if v.BlurSigma.set() {
		out.BlurSigma = v.BlurSigma.at(u(varyBlur))
	}
	un := u(varyNoise)
	if v.RenderNoise.set() {
		out.RenderNoise = v.RenderNoise.at(un)
	}
	if v.ReadNoise.set() {
		out.ReadNoise = v.ReadNoise.at(un)
	}
	if v.Exposure.set() {
		out.Exposure = v.Exposure.at(u(varyExposure))
	}
	return out
}

// MeanDomain returns d with every varied parameter at the middle of its
// range: the expected domain, for gaps stated once for a whole set.
func (d Domain) MeanDomain() Domain {
	if d.Vary == nil {
		return d
	}
	v := *d.Vary
	out := d
	out.Vary = nil
	mid := func(r Range, fixed float64) float64 {
		if !r.set() {
			return fixed
		}
		return r.at(0.5)
	}
	for c := range 3 {
		out.Gain[c] = mid(v.Gain[c], d.Gain[c])
		out.Offset[c] = mid(v.Offset[c], d.Offset[c])
	}
	out.BlurSigma = mid(v.BlurSigma, d.BlurSigma)
	out.RenderNoise = mid(v.RenderNoise, d.RenderNoise)
	out.ReadNoise = mid(v.ReadNoise, d.ReadNoise)
	out.Exposure = mid(v.Exposure, d.Exposure)
	return out
}

// validate lists the variation's problems: a range must be ordered and
// lie within the parameter's valid values (as Domain.Validate states them).
func (v *Variation) validate() []string {
	var bad []string
	check := func(name string, r Range, lo, hi float64) {
		if !r.set() {
			return
		}
		if !finite(r[0]) || !finite(r[1]) || r[0] > r[1] || r[0] < lo || r[1] > hi {
			bad = append(bad, fmt.Sprintf("vary.%s [%v, %v] not an ordered range within [%v, %v]", name, r[0], r[1], lo, hi))
		}
	}
	for c, ch := range []string{"r", "g", "b"} {
		check("gain_"+ch, v.Gain[c], 0.01, 4)
		check("offset_"+ch, v.Offset[c], -1, 1)
	}
	check("blur_sigma", v.BlurSigma, 0, 20)
	check("render_noise", v.RenderNoise, 0, 1)
	check("read_noise", v.ReadNoise, 0, 1)
	check("exposure", v.Exposure, -10, 10)
	return bad
}

// CGVariedDomain is "cg-varied": the CG domain with its gap to the real
// domain drawn per image, for scoring recovery image by image. Per image,
// one colour-cast strength u in [0,1] sets green gain 1 + 0.2u and green
// offset 0.04u (planted contrast_g from 0 to -0.167, brightness_g from 0 to
// -0.033); the blur is 0 to 0.85 px (so the real domain's 0.9 px needs an
// extra 0.30 to 0.90 px); render noise is 0 to 0.08 (the CG domain's 0.04
// in the middle).
func CGVariedDomain() Domain {
	d := CGDomain()
	d.Name = "cg-varied"
	d.Vary = &Variation{
		Gain:        [3]Range{{}, {1, 1.2}, {}},
		Offset:      [3]Range{{}, {0, 0.04}, {}},
		BlurSigma:   Range{0, 0.85},
		RenderNoise: Range{0, 0.08},
	}
	return d
}

// CGVariedBlurDomain returns "cg-varied-blur": renders left sharp, without
// colour cast or render noise, given a per-image optical blur of 0 to 0.85
// px (cg-varied's blur draw alone). Against "real-blur" it plants a gap that
// one manipulation expresses exactly, per image: the ablation that tells
// how well a fit recovers blur when blur is the only cue
// (docs/MANIPULATIONS.md).
func CGVariedBlurDomain() Domain {
	d := IdentityDomain()
	d.Name = "cg-varied-blur"
	d.Vary = &Variation{BlurSigma: Range{0, 0.85}}
	return d
}

// RealBlurDomain returns "real-blur": the real domain's optical blur (0.9
// px) alone, without its sensor noise, chromatic aberration, vignetting or
// JPEG quantisation, none of which a manipulation can express.
func RealBlurDomain() Domain {
	d := IdentityDomain()
	d.Name = "real-blur"
	d.BlurSigma = RealDomain().BlurSigma
	return d
}

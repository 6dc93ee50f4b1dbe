package style

import (
	"fmt"
	"image"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/srgb"
	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/internal/seeds"
)

// Domain is a parameterised image pipeline applied to a render to give it
// the look of a capture domain. Apply runs these steps in order:
//
//  1. render noise: Monte-Carlo-like noise, in linear light, Gaussian with
//     standard deviation RenderNoise × value, independent per channel;
//  2. exposure: linear light times 2^Exposure;
//  3. chromatic aberration: red sampled ChromaticAberration pixels further
//     from the centre at the image corner, blue as much nearer (radial,
//     proportional to the distance from the centre);
//  4. optical blur: Gaussian, BlurSigma pixels;
//  5. vignetting: light times 1 - Vignetting·ρ², ρ the distance from the
//     centre relative to the corner;
//  6. sensor noise, Poisson-Gaussian: value + sqrt(ShotNoise·value +
//     ReadNoise²)·N(0, 1), in linear light;
//  7. encoding to sRGB, then the gamma curve v^(1/Gamma);
//  8. colour response on encoded values in [0, 1]: v·Gain + Offset per
//     channel, clamped;
//  9. JPEG-like quantisation at JPEGQuality (0 = off): 8×8 DCT of YCbCr
//     (4:4:4), quantised with the standard tables scaled as libjpeg does;
//  10. rounding to 8 bits.
//
// Step 8 is exactly the brightness/contrast manipulation of docs/DATA.md
// (x' = x·(1+contrast) + brightness), so the gap between two domains can
// be stated in that vocabulary (Gap).
type Domain struct {
	Name                string     `json:"name"`
	Gain                [3]float64 `json:"gain"`   // per channel, identity 1
	Offset              [3]float64 `json:"offset"` // per channel, identity 0
	Exposure            float64    `json:"exposure"`
	Gamma               float64    `json:"gamma"`      // identity 1
	BlurSigma           float64    `json:"blur_sigma"` // pixels
	ChromaticAberration float64    `json:"chromatic_aberration"`
	Vignetting          float64    `json:"vignetting"`
	ShotNoise           float64    `json:"shot_noise"`
	ReadNoise           float64    `json:"read_noise"`
	RenderNoise         float64    `json:"render_noise"`
	JPEGQuality         int        `json:"jpeg_quality"`
	// Vary, when set, draws some parameters per image (Variation); Apply
	// uses ImageDomain(seed), and the fixed values above are overridden
	// for the parameters it varies.
	Vary *Variation `json:"vary,omitempty"`
}

// IdentityDomain returns the domain that leaves renders unchanged.
func IdentityDomain() Domain {
	return Domain{Name: "identity", Gain: [3]float64{1, 1, 1}, Gamma: 1}
}

// CGDomain is the default "cg" domain: greener, perfectly sharp, with
// render noise.
func CGDomain() Domain {
	d := IdentityDomain()
	d.Name = "cg"
	d.Gain = [3]float64{1, 1.08, 1}
	d.Offset = [3]float64{0, 0.02, 0}
	d.RenderNoise = 0.04
	return d
}

// RealDomain is the default "real" domain: neutral colour, optical blur,
// sensor noise, mild vignetting, chromatic aberration and JPEG compression.
func RealDomain() Domain {
	d := IdentityDomain()
	d.Name = "real"
	d.BlurSigma = 0.9
	d.ChromaticAberration = 0.4
	d.Vignetting = 0.2
	d.ShotNoise = 0.003
	d.ReadNoise = 0.006
	d.JPEGQuality = 90
	return d
}

// domains are the named defaults.
var domains = map[string]func() Domain{"cg": CGDomain, "cg-varied": CGVariedDomain, "real": RealDomain, "identity": IdentityDomain,
	"cg-varied-blur": CGVariedBlurDomain, "real-blur": RealBlurDomain}

// DomainNames returns the names DomainByName accepts, sorted.
func DomainNames() []string {
	out := make([]string, 0, len(domains))
	for n := range domains {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// DomainByName returns a built-in domain: "cg", "cg-varied", "real",
// "identity", or one of the ablation pair "cg-varied-blur" and "real-blur".
func DomainByName(name string) (Domain, error) {
	f, ok := domains[name]
	if !ok {
		return Domain{}, fmt.Errorf("%w: unknown domain %q (known: %s)", ErrInvalidDomain, name, strings.Join(DomainNames(), ", "))
	}
	return f(), nil
}

// Validate reports parameters out of range; the error wraps
// ErrInvalidDomain and names the parameter.
func (d Domain) Validate() error {
	var bad []string
	check := func(name string, v, lo, hi float64) {
		if !finite(v) || v < lo || v > hi {
			bad = append(bad, fmt.Sprintf("%s %v not in [%v, %v]", name, v, lo, hi))
		}
	}
	for c, ch := range []string{"r", "g", "b"} {
		check("gain_"+ch, d.Gain[c], 0.01, 4)
		check("offset_"+ch, d.Offset[c], -1, 1)
	}
	check("exposure", d.Exposure, -10, 10)
	check("gamma", d.Gamma, 0.1, 10)
	check("blur_sigma", d.BlurSigma, 0, 20)
	check("chromatic_aberration", d.ChromaticAberration, -10, 10)
	check("vignetting", d.Vignetting, 0, 1)
	check("shot_noise", d.ShotNoise, 0, 1)
	check("read_noise", d.ReadNoise, 0, 1)
	check("render_noise", d.RenderNoise, 0, 1)
	if d.JPEGQuality < 0 || d.JPEGQuality > 100 {
		bad = append(bad, fmt.Sprintf("jpeg_quality %d not in [0, 100]", d.JPEGQuality))
	}
	if d.Vary != nil {
		bad = append(bad, d.Vary.validate()...)
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w %q: %s", ErrInvalidDomain, d.Name, strings.Join(bad, "; "))
	}
	return nil
}

// Apply returns a new image: img passed through the domain's pipeline.
// seed drives the noise (counter-based per pixel and channel) and, when the
// domain varies per image, the drawn parameters (ImageDomain), so equal
// inputs and seeds give equal bytes on any worker.
func (d Domain) Apply(img image.Image, seed uint64) (*image.NRGBA, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	d = d.ImageDomain(seed)
	src := imageio.NRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	p := getPlanes(w, h)
	defer planesPool.Put(p)
	n := w * h
	for c := range 3 {
		ch := p.ch[c][:n]
		pix := src.Pix[c:]
		for i := range ch {
			ch[i] = srgbDecode32[pix[4*i]]
		}
	}
	if d.RenderNoise > 0 {
		s := seeds.Child(seed, "render-noise")
		for c := range 3 {
			nz := p.normals(n)
			newNormalStream(s, uint64(c)).fill(nz)
			ch := p.ch[c][:len(nz)]
			for i, v := range ch {
				ch[i] = v + float32(d.RenderNoise*float64(v)*nz[i])
			}
		}
	}
	if d.Exposure != 0 {
		k := float32(fmath.Exp2(d.Exposure))
		for c := range 3 {
			for i := range p.ch[c] {
				p.ch[c][i] *= k
			}
		}
	}
	if d.ChromaticAberration != 0 {
		p.chromatic(d.ChromaticAberration)
	}
	if d.BlurSigma > 0 {
		for c := range 3 {
			p.blur(c, d.BlurSigma)
		}
	}
	if d.Vignetting > 0 {
		p.vignette(d.Vignetting)
	}
	if d.ShotNoise > 0 || d.ReadNoise > 0 {
		// The normals are drawn first, so that the square roots of a
		// channel run back to back rather than between calls.
		s := seeds.Child(seed, "sensor-noise")
		read2 := float64(d.ReadNoise * d.ReadNoise)
		shot := d.ShotNoise
		for c := range 3 {
			nz := p.normals(n)
			newNormalStream(s, uint64(c)).fill(nz)
			ch := p.ch[c][:len(nz)]
			for i := sensorNoiseVec(ch, nz, shot, read2); i < len(ch); i++ {
				v := ch[i]
				x := max(float64(v), 0) // math.Max's value for every input
				ch[i] = v + float32(math.Sqrt(float64(shot*x)+read2)*nz[i])
			}
		}
	}
	invGamma := 1 / d.Gamma
	for c := range 3 {
		g, o := d.Gain[c], d.Offset[c]
		ch := p.ch[c]
		for i, v := range ch {
			e := srgb.Encode32(v)
			if d.Gamma != 1 {
				e = fmath.Pow(e, invGamma)
			}
			ch[i] = float32(min(max(float64(e*g)+o, 0), 1))
		}
	}
	if d.JPEGQuality > 0 {
		p.jpeg(d.JPEGQuality)
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for c := range 3 {
		ch := p.ch[c][:n]
		pix := out.Pix[c:]
		for i, v := range ch {
			pix[4*i] = roundByte(v)
		}
	}
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 255
	}
	return out, nil
}

// roundByte is uint8(math.Round(float64(min(max(v, 0), 1)) * 255)), the
// last step of Apply, without math.Round: the product of a float32 and 255
// is exact in float64 (24 + 8 significant bits), and so is adding 0.5 to
// it where the sum is at least 0.5, so truncating the sum rounds half away
// from zero as math.Round does (TestRoundByte; it was once run over every
// non-negative float32). The product is rounded explicitly all the same, so
// that no machine fuses it with the addition.
func roundByte(v float32) uint8 {
	return uint8(float64(float64(min(max(v, 0), 1))*255) + 0.5)
}

// srgbDecode32 is float32(srgb.Decode(v)) for every byte v.
var srgbDecode32 = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(srgb.Decode(uint8(i)))
	}
	return t
}()

// planes holds an image as three float32 channel planes.
type planes struct {
	w, h int
	ch   [3][]float32
	tmp  []float32 // scratch for one step at a time (see scratch)
	nz   []float64 // normal numbers of one channel (see normals)
}

func newPlanes(w, h int) *planes {
	p := &planes{w: w, h: h}
	for c := range 3 {
		p.ch[c] = make([]float32, w*h)
	}
	return p
}

// planesPool recycles Apply's planes and scratch (a dataset styles
// thousands of images of one size).
var planesPool sync.Pool

// getPlanes returns planes of w×h from the pool, or new ones; their
// values are undefined (Apply writes every one before reading it).
func getPlanes(w, h int) *planes {
	p, _ := planesPool.Get().(*planes)
	if p == nil {
		return newPlanes(w, h)
	}
	p.w, p.h = w, h
	for c := range 3 {
		if cap(p.ch[c]) < w*h {
			p.ch[c] = make([]float32, w*h)
		}
		p.ch[c] = p.ch[c][:w*h]
	}
	return p
}

// normals returns a float64 slice of n values owned by p; its contents are
// undefined.
func (p *planes) normals(n int) []float64 {
	if cap(p.nz) < n {
		p.nz = make([]float64, n)
	}
	return p.nz[:n]
}

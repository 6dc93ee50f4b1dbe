package style

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/srgb"
	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/internal/seeds"
)

// TestApplyMatchesReference holds Domain.Apply to refApply, the direct form
// of every step, bit for bit: the default domains and domains that switch
// every step on (gamma, exposure, gain and offset, render noise, wide blur,
// low JPEG quality), on random and smooth images of several sizes.
func TestApplyMatchesReference(t *testing.T) {
	custom := RealDomain()
	custom.Name = "custom"
	custom.Gamma, custom.Exposure, custom.RenderNoise = 1.3, -0.4, 0.05
	custom.Gain, custom.Offset = [3]float64{0.9, 1.1, 1.02}, [3]float64{0.01, -0.02, 0.03}
	custom.BlurSigma, custom.JPEGQuality, custom.ChromaticAberration = 1.7, 40, -0.8
	soft := CGDomain()
	soft.Name, soft.BlurSigma, soft.ShotNoise = "soft", 0.5, 0.01
	doms := []Domain{RealDomain(), CGDomain(), IdentityDomain(), CGVariedDomain(), custom, soft}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sz := range [][2]int{{64, 64}, {33, 17}, {5, 9}, {96, 40}} {
		for _, kind := range []string{"noise", "smooth", "flat"} {
			img := image.NewNRGBA(image.Rect(0, 0, sz[0], sz[1]))
			for i := range img.Pix {
				switch kind {
				case "noise":
					img.Pix[i] = uint8(rng.Uint32())
				case "smooth":
					img.Pix[i] = uint8(i/4%sz[0]*255/sz[0] + i%4*20)
				case "flat":
					img.Pix[i] = 128
				}
			}
			for _, d := range doms {
				seed := rng.Uint64()
				got, err := d.Apply(img, seed)
				if err != nil {
					t.Fatal(err)
				}
				want := refApply(d, img, seed)
				for i := range want.Pix {
					if got.Pix[i] != want.Pix[i] {
						t.Fatalf("%dx%d %s, domain %s, seed %d: byte %d is %d, the direct form gives %d",
							sz[0], sz[1], kind, d.Name, seed, i, got.Pix[i], want.Pix[i])
					}
				}
			}
		}
	}
}

// refApply is Domain.Apply written directly (as it was before the steps
// were optimised), for TestApplyMatchesReference.
func refApply(d Domain, img image.Image, seed uint64) *image.NRGBA {
	if err := d.Validate(); err != nil {
		panic(fmt.Sprint(err))
	}
	d = d.ImageDomain(seed)
	src := imageio.NRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	p := newPlanes(w, h)
	for i := range w * h {
		for c := range 3 {
			p.ch[c][i] = float32(srgb.Decode(src.Pix[4*i+c]))
		}
	}
	if d.RenderNoise > 0 {
		s := seeds.Child(seed, "render-noise")
		for c := range 3 {
			n := newNormalStream(s, uint64(c))
			for i, v := range p.ch[c] {
				p.ch[c][i] = v + float32(d.RenderNoise*float64(v)*n.at(uint64(i)))
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
		p.refChromatic(d.ChromaticAberration)
	}
	if d.BlurSigma > 0 {
		for c := range 3 {
			p.refBlur(c, d.BlurSigma)
		}
	}
	if d.Vignetting > 0 {
		cx, cy, rc := float64(float64(w)/2), float64(float64(h)/2), p.cornerRadius()
		for y := range h {
			for x := range w {
				rho := fmath.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) / rc
				k := float32(1 - float64(d.Vignetting*rho*rho))
				for c := range 3 {
					p.ch[c][y*w+x] *= k
				}
			}
		}
	}
	if d.ShotNoise > 0 || d.ReadNoise > 0 {
		s := seeds.Child(seed, "sensor-noise")
		read2 := float64(d.ReadNoise * d.ReadNoise)
		for c := range 3 {
			n := newNormalStream(s, uint64(c))
			for i, v := range p.ch[c] {
				x := math.Max(float64(v), 0)
				p.ch[c][i] = v + float32(math.Sqrt(float64(d.ShotNoise*x)+read2)*n.at(uint64(i)))
			}
		}
	}
	invGamma := 1 / d.Gamma
	for c := range 3 {
		g, o := d.Gain[c], d.Offset[c]
		for i, v := range p.ch[c] {
			e := srgb.Encode32(v)
			if d.Gamma != 1 {
				e = fmath.Pow(e, invGamma)
			}
			p.ch[c][i] = float32(min(max(float64(e*g)+o, 0), 1))
		}
	}
	if d.JPEGQuality > 0 {
		p.refJPEG(d.JPEGQuality)
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		for c := range 3 {
			out.Pix[4*i+c] = uint8(math.Round(float64(min(max(p.ch[c][i], 0), 1)) * 255))
		}
		out.Pix[4*i+3] = 255
	}
	return out
}

// TestRoundByte holds roundByte to the expression it replaces: on the
// 8,193 float32s around each rounding boundary (k+0.5)/255, on every 251st
// float32 from -0 up to +Inf, on negatives and on NaN.
func TestRoundByte(t *testing.T) {
	ref := func(v float32) uint8 { return uint8(math.Round(float64(min(max(v, 0), 1)) * 255)) }
	check := func(v float32) {
		if got, want := roundByte(v), ref(v); got != want {
			t.Fatalf("roundByte(%v) = %d, want %d", v, got, want)
		}
	}
	for k := range 255 {
		mid := math.Float32bits(float32((float64(k) + 0.5) / 255))
		for b := mid - 4096; b <= mid+4096; b++ {
			check(math.Float32frombits(b))
		}
	}
	for b := uint32(0); b <= 0x7f800000; b += 251 {
		check(math.Float32frombits(b))
	}
	for e := range 300 {
		check(-float32(math.Ldexp(1, e-150)))
	}
	check(float32(math.NaN()))
	check(float32(math.Inf(-1)))
	check(1)
}

// TestSensorNoiseVec holds the sensor-noise loop (two values at a time on
// amd64 unless CGX_SIMD=off) to its Go form on values that include
// negatives, zeros of both signs, subnormals and values above 1, at odd
// and even lengths.
func TestSensorNoiseVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, -0.5, 7, 1e30}
	for n := 1; n <= 200; n++ {
		ch := make([]float32, n)
		nz := make([]float64, n)
		for i := range ch {
			ch[i] = rng.Float32()*1.2 - 0.1
			if rng.IntN(6) == 0 {
				ch[i] = special[rng.IntN(len(special))]
			}
			nz[i] = rng.NormFloat64() * 2
		}
		shot, read2 := rng.Float64()*0.01, float64(rng.Float64()*0.01*rng.Float64()*0.01)
		want := make([]float32, n)
		for i, v := range ch {
			x := math.Max(float64(v), 0)
			want[i] = v + float32(math.Sqrt(float64(shot*x)+read2)*nz[i])
		}
		got := append([]float32(nil), ch...)
		for i := sensorNoiseVec(got, nz, shot, read2); i < n; i++ {
			v := got[i]
			got[i] = v + float32(math.Sqrt(float64(shot*max(float64(v), 0))+read2)*nz[i])
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n %d, value %d (%v): got %v, want %v", n, i, ch[i], got[i], want[i])
			}
		}
	}
}

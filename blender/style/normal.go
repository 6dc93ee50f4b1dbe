package style

import (
	"math"
	"sync"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// normalStream gives standard normal numbers by index: the value for index
// i is a pure function of the stream's key and i (so noise does not depend
// on the order in which pixels are visited or on the number of workers).
// Each value is drawn with the ziggurat method of Marsaglia and Tsang
// (2000, 128 layers) from a SplitMix64 sequence seeded by (key, i): one
// 64-bit draw and a table look-up for 99% of values, against a logarithm,
// a cosine and a square root per value for Box-Muller. Its tables are
// computed from fmath and every product is rounded before it is added, so
// the values are the same bits on every machine.
type normalStream struct{ key uint64 }

// newNormalStream returns the stream named (seed, stream).
func newNormalStream(seed, stream uint64) normalStream {
	return normalStream{key: mix64(seed ^ mix64(stream^0x6e6f726d616c7321))} // "normals!"
}

// golden64 is SplitMix64's increment.
const golden64 = 0x9e3779b97f4a7c15

// at returns the standard normal number of index i.
func (s normalStream) at(i uint64) float64 {
	st := mix64(s.key ^ mix64(i))
	for {
		st += golden64
		u := mix64(st)
		layer := u >> 57      // top 7 bits: the layer
		j := int32(uint32(u)) // low 32 bits: the signed abscissa
		x := float64(float64(j) * zigW[layer])
		if absInt64(int64(j)) < zigK[layer] {
			return x
		}
		if layer == 0 {
			// The base strip's tail beyond zigR (Marsaglia's method).
			for {
				st += golden64
				x = -fmath.Log(unit53(mix64(st))) / zigR
				st += golden64
				y := -fmath.Log(unit53(mix64(st)))
				if y+y >= float64(x*x) {
					break
				}
			}
			if j > 0 {
				return zigR + x
			}
			return -zigR - x
		}
		st += golden64
		if zigF[layer]+float64(unit53(mix64(st))*(zigF[layer-1]-zigF[layer])) < fmath.Exp(float64(-0.5*x)*x) {
			return x
		}
	}
}

// fill sets dst[i] to s.at(i) for every i. The first draw of at, which
// gives 99% of values, runs here without a call, with mix64(i) read from
// indexMix; the rest go to at, which repeats that draw and continues.
func (s normalStream) fill(dst []float64) {
	mi := indexMix(min(len(dst), indexMixMax))
	for i := range dst {
		var m uint64
		if i < len(mi) {
			m = mi[i]
		} else {
			m = mix64(uint64(i))
		}
		u := mix64(mix64(s.key^m) + golden64)
		layer := u >> 57
		j := int32(uint32(u))
		if absInt64(int64(j)) < zigK[layer] {
			dst[i] = float64(float64(j) * zigW[layer])
			continue
		}
		dst[i] = s.at(uint64(i))
	}
}

// indexMixMax bounds indexMixTable (2 MiB, a 256×256 image's channel
// four times over); later indices are hashed as they come.
const indexMixMax = 1 << 18

// indexMixTable holds mix64(i) for the first indices: every stream of
// every image hashes the same pixel indices.
var indexMixTable struct {
	sync.Mutex
	t []uint64
}

// indexMix returns mix64(i) for i < n, shared: the caller must not write
// it.
func indexMix(n int) []uint64 {
	indexMixTable.Lock()
	defer indexMixTable.Unlock()
	t := indexMixTable.t
	if len(t) < n {
		t = make([]uint64, max(n, 2*len(t)))
		for i := range t {
			t[i] = mix64(uint64(i))
		}
		indexMixTable.t = t
	}
	return t[:n]
}

// unit53 maps a 64-bit draw to (0, 1).
func unit53(u uint64) float64 { return (float64(u>>11) + 0.5) / (1 << 53) }

func absInt64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// Ziggurat tables for 128 layers (Marsaglia and Tsang 2000): zigR is the
// start of the tail, zigV the area of each layer.
const (
	zigR = 3.442619855899
	zigV = 9.91256303526217e-3
	zig2 = 1 << 31
)

var zigK, zigW, zigF = func() (k [128]int64, w, f [128]float64) {
	dn := zigR
	tn := dn
	q := zigV / fmath.Exp(float64(-0.5*dn)*dn)
	k[0] = int64(float64(dn/q) * zig2)
	k[1] = 0
	w[0] = q / zig2
	w[127] = dn / zig2
	f[0] = 1
	f[127] = fmath.Exp(float64(-0.5*dn) * dn)
	for i := 126; i >= 1; i-- {
		dn = math.Sqrt(-2 * fmath.Log(zigV/dn+fmath.Exp(float64(-0.5*dn)*dn)))
		k[i+1] = int64(float64(dn/tn) * zig2)
		tn = dn
		f[i] = fmath.Exp(float64(-0.5*dn) * dn)
		w[i] = dn / zig2
	}
	return
}()

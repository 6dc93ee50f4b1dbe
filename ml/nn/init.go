package nn

import (
	"github.com/cgx-dev/cgx/internal/seeds"
	"math"
	"math/rand/v2"
)

// ChildSeed is seeds.Child, cgx's one seed derivation: the seed of a named
// random stream ("init/conv1.weight", "shuffle/epoch-3") from its parent,
// never numbered by call order, so adding a stream changes no other.
func ChildSeed(parent uint64, name string) uint64 { return seeds.Child(parent, name) }

// NewRand returns a PCG (PCG-DXSM, specified by math/rand/v2) generator for
// seed. Only its Uint64 stream is used by this package's helpers, so their
// values do not depend on how math/rand/v2 derives floats or permutations.
func NewRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, ChildSeed(seed, "pcg-stream")))
}

// Uniform01 returns a float64 in [0, 1) from the top 53 bits of one Uint64.
func Uniform01(r *rand.Rand) float64 {
	return float64(float64(r.Uint64()>>11) / (1 << 53)) // rounded (exactly): 2*u may not fuse
}

// FillUniform sets v[i] = U(-bound, bound), one Uint64 per element in order.
func FillUniform(v []float32, bound float64, r *rand.Rand) {
	for i := range v {
		v[i] = float32((float64(2*Uniform01(r)) - 1) * bound)
	}
}

// FanInBound is PyTorch's default initialisation bound for the weights and
// biases of convolutions and linear layers, 1/√fanIn (Kaiming uniform with
// a = √5), where fanIn is the number of inputs of one output unit.
func FanInBound(fanIn int) float64 {
	return 1 / math.Sqrt(float64(max(fanIn, 1)))
}

// Shuffle permutes v in place (Fisher–Yates, one Uint64 per step, index by
// the remainder), a fully specified permutation for a given generator state.
func Shuffle(v []int, r *rand.Rand) {
	for i := len(v) - 1; i > 0; i-- {
		j := int(r.Uint64() % uint64(i+1))
		v[i], v[j] = v[j], v[i]
	}
}

package reporttest

import "hash/fnv"

// rng is a splitmix64 generator seeded from a parent seed and a name, so each
// fixture part draws from its own stream whatever order the parts are built
// in. Its normal deviates use the Irwin-Hall sum of twelve uniforms: only
// additions, so fixtures are identical on every architecture.
type rng struct{ s uint64 }

func newRNG(seed uint64, name string) *rng {
	h := fnv.New64a()
	h.Write([]byte(name))
	return &rng{s: seed ^ h.Sum64()}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a uniform deviate in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// norm returns an approximately standard normal deviate.
func (r *rng) norm() float64 {
	var s float64
	for range 12 {
		s += r.float()
	}
	return s - 6
}

// intn returns a uniform integer in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

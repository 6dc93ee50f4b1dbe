package style

// Counter-based random numbers: the value for (seed, stream, index) is a
// pure function of the three, so noise does not depend on the order in
// which pixels or images are processed, nor on the number of workers.

// mix64 is the SplitMix64 finaliser, a bijection on uint64 with good
// avalanche.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// counterUniform returns a uniform number in (0, 1) for (seed, stream, i).
func counterUniform(seed, stream, i uint64) float64 {
	z := mix64(seed ^ mix64(stream^mix64(i)))
	return (float64(z>>11) + 0.5) / (1 << 53)
}

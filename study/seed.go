package study

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand"
	randv2 "math/rand/v2"
	"strconv"
)

// DeriveSeed returns the child seed called name of parent: the first eight
// bytes of SHA-256(parent as 8 big-endian bytes || name), as an int64. Child
// seeds depend on names, never on the order in which they are asked for.
func DeriveSeed(parent int64, name string) int64 {
	sum := childHash(parent, name)
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

func childHash(parent int64, name string) [sha256.Size]byte {
	b := make([]byte, 8, 8+len(name))
	binary.BigEndian.PutUint64(b, uint64(parent))
	return sha256.Sum256(append(b, name...))
}

// TrialSeed is the seed of slot k in a study seeded with studySeed, stored
// as the trial system attribute cgx.seed.
func TrialSeed(studySeed int64, slot int) int64 {
	return DeriveSeed(studySeed, "trial/"+strconv.Itoa(slot))
}

// ObjectiveSeed is the seed handed to the objective for a trial seed.
func ObjectiveSeed(trialSeed int64) int64 { return DeriveSeed(trialSeed, "objective") }

// newRand returns the generator named name under seed: a PCG (math/rand/v2,
// whose output its specification fixes) keyed by the first 16 bytes of
// SHA-256(seed || name), behind math/rand's Rand, whose methods are frozen
// by the Go 1 promise. PCG is used rather than rand.NewSource because
// seeding the latter costs about 10 µs, paid per parameter per trial.
func newRand(seed int64, name string) *rand.Rand {
	sum := childHash(seed, name)
	return rand.New(pcgSource{randv2.NewPCG(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16]))})
}

// pcgSource adapts randv2.PCG to math/rand's Source64.
type pcgSource struct{ pcg *randv2.PCG }

var _ rand.Source64 = pcgSource{}

func (s pcgSource) Int63() int64    { return int64(s.pcg.Uint64() >> 1) }
func (s pcgSource) Uint64() uint64  { return s.pcg.Uint64() }
func (s pcgSource) Seed(seed int64) { s.pcg.Seed(uint64(seed), 0) }

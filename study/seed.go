package study

import (
	"math/rand"
	randv2 "math/rand/v2"
	"strconv"

	"github.com/cgx-dev/cgx/internal/seeds"
)

// DeriveSeed returns the child seed called name of parent, seeds.Int63 (the
// one derivation cgx uses): never negative, and dependent on names, never on
// the order in which seeds are asked for.
func DeriveSeed(parent int64, name string) int64 { return seeds.Int63(parent, name) }

// TrialSeed is the seed of slot k in a study seeded with studySeed, stored
// as the trial system attribute cgx.seed.
func TrialSeed(studySeed int64, slot int) int64 {
	return DeriveSeed(studySeed, "trial/"+strconv.Itoa(slot))
}

// ObjectiveSeed is the seed handed to the objective for a trial seed.
func ObjectiveSeed(trialSeed int64) int64 { return DeriveSeed(trialSeed, "objective") }

// newRand returns the generator named name under seed: seeds.PCG (PCG-DXSM
// from math/rand/v2, whose output its specification fixes) behind
// math/rand's Rand, whose methods are frozen by the Go 1 promise. PCG is used
// rather than rand.NewSource because seeding the latter costs about 10 µs,
// paid per parameter per trial.
func newRand(seed int64, name string) *rand.Rand {
	return rand.New(pcgSource{seeds.PCG(uint64(seed), name)})
}

// pcgSource adapts randv2.PCG to math/rand's Source64.
type pcgSource struct{ pcg *randv2.PCG }

var _ rand.Source64 = pcgSource{}

func (s pcgSource) Int63() int64    { return int64(s.pcg.Uint64() >> 1) }
func (s pcgSource) Uint64() uint64  { return s.pcg.Uint64() }
func (s pcgSource) Seed(seed int64) { s.pcg.Seed(uint64(seed), 0) }

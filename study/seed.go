package study

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand"
	"strconv"
)

// DeriveSeed returns the child seed called name of parent: the first eight
// bytes of SHA-256(parent as 8 big-endian bytes || name), as an int64. Child
// seeds depend on names, never on the order in which they are asked for.
func DeriveSeed(parent int64, name string) int64 {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(parent))
	h := sha256.New()
	h.Write(b[:])
	h.Write([]byte(name))
	var sum [sha256.Size]byte
	return int64(binary.BigEndian.Uint64(h.Sum(sum[:0])[:8]))
}

// TrialSeed is the seed of slot k in a study seeded with studySeed, stored
// as the trial system attribute cgx.seed.
func TrialSeed(studySeed int64, slot int) int64 {
	return DeriveSeed(studySeed, "trial/"+strconv.Itoa(slot))
}

// ObjectiveSeed is the seed handed to the objective for a trial seed.
func ObjectiveSeed(trialSeed int64) int64 { return DeriveSeed(trialSeed, "objective") }

// newRand returns the generator named name under seed. math/rand's source
// algorithm is frozen by the Go 1 promise, so draws repeat across Go releases.
func newRand(seed int64, name string) *rand.Rand {
	return rand.New(rand.NewSource(DeriveSeed(seed, name)))
}

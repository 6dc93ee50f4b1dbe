package seeds

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// sum is SHA-256(parent as 8 little-endian bytes ‖ name).
func sum(parent uint64, name string) [sha256.Size]byte {
	b := make([]byte, 8, 8+len(name))
	binary.LittleEndian.PutUint64(b, parent)
	return sha256.Sum256(append(b, name...))
}

// Child returns the seed of the stream called name under parent: the first
// 8 bytes, little endian, of SHA-256(parent as 8 little-endian bytes ‖ name).
func Child(parent uint64, name string) uint64 {
	s := sum(parent, name)
	return binary.LittleEndian.Uint64(s[:8])
}

// Int63 is Child for seeds kept as int64 (spec seeds, trial seeds): the
// parent's two's-complement bits, and the child with its top bit cleared so
// it is never negative.
func Int63(parent int64, name string) int64 {
	return int64(Child(uint64(parent), name) &^ (1 << 63))
}

// PCG returns a PCG-DXSM generator (math/rand/v2, whose output its
// specification fixes) keyed by the first 16 bytes of the hash of (parent,
// name): bytes 0-7 and 8-15, each little endian.
func PCG(parent uint64, name string) *rand.PCG {
	s := sum(parent, name)
	return rand.NewPCG(binary.LittleEndian.Uint64(s[:8]), binary.LittleEndian.Uint64(s[8:16]))
}

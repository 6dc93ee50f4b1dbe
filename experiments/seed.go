package experiments

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

// CodeVersion enters every stage key. Bump it whenever a change alters what a
// stage computes, so stored stages from older code are not reused.
const CodeVersion = "cgx-stages-1"

// childSeed derives the seed of a named part of a run from the run seed, so
// seeds depend on names, never on the order in which parts run.
func childSeed(seed int64, name string) int64 {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(name))
	return int64(binary.LittleEndian.Uint64(h.Sum(nil)) & (1<<63 - 1))
}

// stageKey is the hex SHA-256 of the canonical JSON of a stage's name, inputs,
// resolved config and CodeVersion.
func stageKey(name string, inputs any) (string, error) {
	b, err := json.Marshal(struct {
		Code   string `json:"code"`
		Name   string `json:"name"`
		Inputs any    `json:"inputs"`
	}{CodeVersion, name, inputs})
	if err != nil {
		return "", fmt.Errorf("stage %s: encode key inputs: %w", name, err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

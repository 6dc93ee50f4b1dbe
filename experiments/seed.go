package experiments

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"

	"github.com/cgx-dev/cgx/internal/seeds"
	"github.com/cgx-dev/cgx/tracker"
)

// CodeVersion enters every stage key together with the digest of the running
// executable (codeDigest), so a stage stored by other code is never reused.
// Bump it when the meaning of stage inputs changes.
const CodeVersion = "cgx-stages-3"

var codeDigestOnce = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err == nil {
		if f, err := os.Open(exe); err == nil {
			defer f.Close()
			h := sha256.New()
			if _, err := io.Copy(h, f); err == nil {
				return hex.EncodeToString(h.Sum(nil))[:16]
			}
		}
	}
	_, mod, rev, _ := tracker.BuildInfo()
	return mod + "@" + rev
})

// codeDigest names the code computing stages: the SHA-256 of the cgx
// executable (any change to the code or the toolchain changes it).
func codeDigest() string { return codeDigestOnce() }

// childSeed is seeds.Int63: the seed of a named part of a run from the run
// seed, so seeds depend on names, never on the order in which parts run.
func childSeed(seed int64, name string) int64 { return seeds.Int63(seed, name) }

// stageKey is the hex SHA-256 of the canonical JSON of a stage's name, inputs,
// resolved config and CodeVersion.
func stageKey(name string, inputs any) (string, error) {
	b, err := json.Marshal(struct {
		Code   string `json:"code"`
		Binary string `json:"binary"`
		Name   string `json:"name"`
		Inputs any    `json:"inputs"`
	}{CodeVersion, codeDigest(), name, inputs})
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

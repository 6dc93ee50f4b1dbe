package experiments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/cgx-dev/cgx/tracker/bolt"
)

// Compatible reports whether this cgx can verify b: the run's database
// format must not be newer than this cgx's, and its results must have been
// computed by the same CodeVersion (another code version computes other
// bits, so a comparison could only fail). The error matches
// ErrBundleVersion and names the version needed.
func (b *Bundle) Compatible() error {
	e := b.Environment
	if e.DBFormat > bolt.FormatVersion {
		return fmt.Errorf("%w: run %d was stored in database format %d, newer than this cgx's %d; verify the bundle with a cgx that writes database format %d (%s)",
			ErrBundleVersion, b.Run.ID, e.DBFormat, bolt.FormatVersion, e.DBFormat, e.build())
	}
	if e.CodeVersion != CodeVersion {
		return fmt.Errorf("%w: run %d was computed by code version %s (%s), this cgx computes %s and its results differ; verify the bundle with a cgx of code version %s",
			ErrBundleVersion, b.Run.ID, orNone(e.CodeVersion), e.build(), CodeVersion, orNone(e.CodeVersion))
	}
	return nil
}

// build names the cgx build an environment records, for messages.
func (e Environment) build() string {
	var parts []string
	if e.Module != "" {
		parts = append(parts, "cgx "+e.Module)
	}
	if e.Revision != "" {
		parts = append(parts, "revision "+e.Revision)
	}
	if e.GoVersion != "" {
		parts = append(parts, e.GoVersion)
	}
	if len(parts) == 0 {
		return "build not recorded"
	}
	return strings.Join(parts, ", ")
}

// VerifyBundle re-executes the run b describes into st with its spec text,
// profile and seed, recomputing every stage (opts.Force), and compares the
// result with b's record bit for bit. It refuses (ErrBundleVersion) a bundle
// that Compatible refuses or whose spec this cgx resolves to other settings.
// opts.SpecDir says where the spec's relative folder paths resolve.
func VerifyBundle(ctx context.Context, b *Bundle, st Store, opts Options) (VerifyReport, error) {
	if err := b.Compatible(); err != nil {
		return VerifyReport{}, err
	}
	if sum := sha256.Sum256([]byte(b.Run.Spec)); b.Run.SpecSHA256 != "" && hex.EncodeToString(sum[:]) != b.Run.SpecSHA256 {
		return VerifyReport{}, fmt.Errorf("%w: the spec text does not match its recorded SHA-256", ErrBundleDamaged)
	}
	f, err := Parse(fmt.Sprintf("bundle of run %d: spec", b.Run.ID), []byte(b.Run.Spec))
	if err != nil {
		return VerifyReport{}, fmt.Errorf("parse the bundle's spec: %w", err)
	}
	spec, err := resolveAsRun(f, b.Run.Profile, b.Run.Seed)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("resolve the bundle's spec: %w", err)
	}
	if diff := settingsDiff(b.Settings, flattenSettings(spec)); len(diff) > 0 {
		return VerifyReport{}, fmt.Errorf("%w: this cgx resolves the bundle's spec to other settings (%s): its defaults changed; verify the bundle with the cgx that made it (%s)",
			ErrBundleVersion, strings.Join(diff, "; "), b.Environment.build())
	}
	seed := b.Run.Seed
	opts.Seed, opts.Profile, opts.ExactProfile, opts.Resume, opts.Force = &seed, b.Run.Profile, true, 0, true
	res, err := Run(ctx, st, f, opts)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("re-execute the bundle of run %d: %w", b.Run.ID, err)
	}
	again, run, err := RecordRun(ctx, st, res.RunID)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("read the re-executed run: %w", err)
	}
	env := RunEnvironment(run)
	rep := VerifyReport{RunID: b.Run.ID, Name: b.Run.Name, Profile: b.Run.Profile, Seed: b.Run.Seed, ScratchRunID: res.RunID,
		Environment: CompareEnvironments(b.Environment, env)}
	compareRecords(b.Record, again, &rep)
	refineOrigin(rep.FirstDifference, b.Environment, env)
	return rep, nil
}

// settingsDiff lists up to five keys whose values differ, as "key: a -> b".
func settingsDiff(a, b map[string]string) []string {
	var out []string
	for _, k := range unionKeys2(a, b) {
		x, okx := a[k]
		y, oky := b[k]
		if okx == oky && x == y {
			continue
		}
		if len(out) == 5 {
			return append(out, "...")
		}
		out = append(out, fmt.Sprintf("%s: %s -> %s", k, strOrNone(x, okx), strOrNone(y, oky)))
	}
	return out
}

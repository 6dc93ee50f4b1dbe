// Package experiments turns declarative TOML specs into runs: it owns the
// spec format (decoding, validation, profiles, the built-in specs), the staged
// and cached runner, and the verify and diff comparisons.
//
// Vocabulary:
//   - spec: one experiment as TOML (docs/SPEC.md); kinds style, content, segmentation.
//   - profile: a named overlay of spec values (smoke for CI, default for the demo,
//     paper for the published sizes); Resolve applies one.
//   - override: a --set KEY=VALUE applied on top of every profile
//     (File.WithOverrides); the run records the effective spec text and lists
//     the overrides in its attribute "overrides". A sweep is one run per value.
//   - run: one execution of a resolved spec with a seed, stored in the tracker.
//   - stage: a cached step of a run (dataset, discriminator, fit, search,
//     segmentation), keyed by the digest of its inputs, resolved config and
//     CodeVersion; a stage whose key is stored is reused, not recomputed. It
//     records the JSON of those inputs (attribute "inputs").
//   - environment: what a run records about the code and machine computing it
//     (code version, database format, GOOS/GOARCH, BLAS backend, machine-bound).
//   - run record: the comparable content of a run (stages in order with their
//     inputs, outputs, metrics and COMPLETE trials by slot); verify compares
//     two, says where they start to differ and names environment differences.
//   - bundle: one file (docs/BUNDLE.md) with a run's spec, settings,
//     environment, record and artifact digests (bytes optional), which
//     VerifyBundle re-executes elsewhere.
//
// Caveats: decoding is strict (unknown keys, wrong types and values out of
// range are errors naming file:line and the key), but BurntSushi/toml matches
// keys case-insensitively, so "Steps" is read as "steps". A bundle is refused
// by a cgx of another CodeVersion: results are comparable only under one.
package experiments

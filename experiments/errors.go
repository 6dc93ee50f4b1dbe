package experiments

import "errors"

var (
	// ErrSpec marks a spec that cannot be decoded or fails validation. The
	// wrapping error names the file, line and key.
	ErrSpec = errors.New("invalid spec")
	// ErrUnknownSpec marks a name that is neither a built-in spec nor a file.
	ErrUnknownSpec = errors.New("unknown spec")
	// ErrUnknownProfile marks a profile the spec does not define.
	ErrUnknownProfile = errors.New("unknown profile")
	// ErrUnknownRun marks a run id the database does not hold.
	ErrUnknownRun = errors.New("unknown run")
	// ErrVerifyMismatch marks a verification whose recomputed results differ.
	ErrVerifyMismatch = errors.New("verification found differences")
	// ErrBundleDamaged marks a bundle file that is not one, or is cut short
	// or changed since it was written.
	ErrBundleDamaged = errors.New("damaged bundle")
	// ErrBundleVersion marks a bundle this cgx cannot verify: a newer bundle
	// or database format, or results computed by another code version. The
	// message names the version needed.
	ErrBundleVersion = errors.New("bundle needs another cgx version")
)

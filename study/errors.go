package study

import "errors"

var (
	// ErrInvalidSpace marks a search space that fails validation; the
	// wrapping error names every offending parameter.
	ErrInvalidSpace = errors.New("invalid search space")
	// ErrInvalidConfig marks a Config or CompareConfig with an impossible value.
	ErrInvalidConfig = errors.New("invalid study config")
	// ErrUnknownSampler marks a sampler name that is not one of Samplers().
	ErrUnknownSampler = errors.New("unknown sampler")
	// ErrStudyMismatch marks an existing study whose stored settings (sampler,
	// seed, batch size, space, direction) differ from the ones asked for, or a
	// study that study.Run did not make.
	ErrStudyMismatch = errors.New("study does not match its config")
	// ErrCorruptStudy marks stored trials that break the slot invariants, such
	// as two COMPLETE trials for one slot or a trial without a readable slot.
	ErrCorruptStudy = errors.New("corrupt study")
	// ErrObjective marks an error returned (or a panic raised) by the objective.
	ErrObjective = errors.New("objective failed")
	// ErrBadValue marks an objective value that is NaN or infinite.
	ErrBadValue = errors.New("objective returned a non-finite value")
)

package workq

import "errors"

// ErrInvalid: an item or a claim is malformed (a run id that is not
// positive, an empty stage, kind or owner, a negative index, a lease that is
// not positive). Queue errors otherwise wrap the tracker sentinels
// (tracker.ErrNotFound, tracker.ErrLeaseLost, tracker.ErrWorkConflict).
var ErrInvalid = errors.New("invalid work item")

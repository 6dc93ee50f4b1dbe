package tracker

import "fmt"

// CheckReport is what Check found. Problems are damage (Check's caller
// should fail); Notes are observations that need no repair, such as stale
// RUNNING trials or unreferenced object files.
type CheckReport struct {
	Path          string    `json:"path"`
	FormatVersion int       `json:"format_version"`
	Studies       int       `json:"studies"`
	Trials        int       `json:"trials"`
	RunningTrials int       `json:"running_trials"`
	Runs          int       `json:"runs"`
	Stages        int       `json:"stages"`
	Artifacts     int       `json:"artifacts"`
	ArtifactBytes int64     `json:"artifact_bytes"`
	Problems      []Problem `json:"problems"`
	Notes         []string  `json:"notes"`
	// Recover says, when there are problems, how to get back to a sound
	// database (restore, salvage, accept a loss), one step per line.
	Recover []string `json:"recover"`
}

// Problem is one piece of damage: the object it concerns and what is wrong.
type Problem struct {
	Object  string `json:"object"` // "study 3", "trial 17", "artifact 3fa2...", "file"
	Problem string `json:"problem"`
}

// OK reports whether no damage was found.
func (r CheckReport) OK() bool { return len(r.Problems) == 0 }

// Addf adds a problem with object: damage of that object, described by
// format and a.
func (r *CheckReport) Addf(object, format string, a ...any) {
	r.Problems = append(r.Problems, Problem{Object: object, Problem: fmt.Sprintf(format, a...)})
}

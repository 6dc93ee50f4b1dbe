package study

import (
	"fmt"
	"strings"
)

// Sampler names accepted by Config.Sampler.
const (
	SamplerTPE    = "tpe"
	SamplerCMAES  = "cmaes"
	SamplerRandom = "random"
)

// Samplers returns the sampler names, in the order the docs list them.
func Samplers() []string { return []string{SamplerTPE, SamplerCMAES, SamplerRandom} }

// CheckSampler returns nil for a known sampler name and otherwise an error
// wrapping ErrUnknownSampler that lists the allowed names.
func CheckSampler(name string) error {
	for _, s := range Samplers() {
		if s == name {
			return nil
		}
	}
	return fmt.Errorf("%w %q; use one of %s", ErrUnknownSampler, name, strings.Join(Samplers(), ", "))
}

// observation is one COMPLETE trial of an earlier batch as a sampler sees it.
type observation struct {
	slot       int
	value      float64
	params     map[string]float64 // internal values of every parameter of the space
	generation int                // cgx.cmaes.generation, -1 when absent
}

// proposal is what a sampler chose for one slot.
type proposal struct {
	params map[string]float64 // internal values, one per parameter
	attrs  map[string]string  // trial system attributes to store with it
}

// sampler proposes parameters. batch is called once per batch with the
// COMPLETE trials of the earlier batches in slot order (read, never kept or
// modified) and returns the proposer for that batch, which Run calls for
// every slot of the batch in slot order from one goroutine. A proposal must
// be a pure function of the space, the history and the trial seeds of its
// slot and of the earlier slots of its batch.
type sampler interface {
	batch(history []observation) (func(trialSeed int64) (proposal, error), error)
}

// newSampler returns the sampler called name for space.
func newSampler(name string, space Space) (sampler, error) {
	if err := CheckSampler(name); err != nil {
		return nil, err
	}
	switch name {
	case SamplerTPE:
		return &tpeSampler{space: space, startup: tpeStartupTrials, candidates: tpeCandidates}, nil
	case SamplerCMAES:
		return newCMASampler(space), nil
	default:
		return randomSampler{space: space}, nil
	}
}

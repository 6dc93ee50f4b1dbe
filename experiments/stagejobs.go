package experiments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/cgx-dev/cgx/internal/memstat"
	"github.com/cgx-dev/cgx/tracker"
)

// stageJob is one independent stage (a segmentation training set and
// seed): its name, key inputs and computation.
type stageJob struct {
	name    string
	inputs  any
	compute stageFunc
}

// stageJobs computes independent stages as work items (docs/ARCHITECTURE.md,
// "Past one machine"): every job is item i of one work stage, claimed by
// any worker of any walker of the run (r.workers at a time in this
// process), and each stage is stored once, by whoever computed it. Then
// every walker records the stages in job order, so the run's record, like
// each stage's bytes, is the same whatever the number of workers or walkers.
func (r *runner) stageJobs(ctx context.Context, jobs []stageJob) error {
	if len(jobs) == 0 {
		return nil
	}
	ks := make([]string, len(jobs))
	h := sha256.New()
	for i, j := range jobs {
		k, err := stageKey(j.name, j.inputs)
		if err != nil {
			return err
		}
		ks[i] = k
		h.Write([]byte(k + "\n"))
	}
	group := "jobs/" + hex.EncodeToString(h.Sum(nil))[:16]
	_, err := r.forEachWorkItem(ctx, group, WorkStage, len(jobs), func(i int) []byte { return []byte(jobs[i].name) },
		func(ctx context.Context, it tracker.WorkItem) ([]byte, error) {
			j, key := jobs[it.Index], ks[it.Index]
			if done, err := r.storedByThisRun(ctx, key, it.Attempts); err != nil || done {
				return nil, err
			}
			if _, _, err := r.finishStage(ctx, key, j.name, j.inputs, memstat.Reset(), j.compute); err != nil {
				return nil, fmt.Errorf("stage %s: %w", j.name, err)
			}
			return nil, nil
		})
	if err != nil {
		return err
	}
	for i, j := range jobs {
		got, err := r.st.GetStage(ctx, ks[i])
		if err != nil {
			return fmt.Errorf("stage %s: read its record: %w", j.name, err)
		}
		if got.RunID != r.runID {
			r.progress.Logf("  %s: reused (computed by run %d)", j.name, got.RunID)
		}
		r.record(got, got.RunID != r.runID)
	}
	return nil
}

package dbcopy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cgx-dev/cgx/tracker"
)

// copyRuns creates every run, in id order, keeping its id: runs that were
// deleted from the source have their ids used up by placeholder runs,
// deleted at once. A run id the destination cannot give is an error
// matching ErrIDs, since study names and attributes name run ids.
func (c *copier) copyRuns(ctx context.Context) error {
	runs, err := c.from.ListRuns(ctx)
	if err != nil {
		return fmt.Errorf("list runs: %w", err)
	}
	next := 0 // the id the destination hands out next; 0 while unknown
	for i, r := range sortedRuns(runs) {
		for next < r.ID && (next != 0 || r.ID > 1) {
			id, err := c.to.CreateRun(ctx, tracker.Run{Name: placeholderName, Status: tracker.RunFailed,
				Error: "made by 'cgx db copy' to use up a run id; deleted at once"})
			if err != nil {
				return fmt.Errorf("create a placeholder run: %w", err)
			}
			if _, err := c.to.DeleteRun(ctx, id); err != nil {
				return fmt.Errorf("delete placeholder run %d: %w", id, err)
			}
			c.rep.Placeholders++
			if id <= next-1 {
				return fmt.Errorf("the destination handed out run id %d again: %w", id, ErrIDs)
			}
			next = id + 1
			if id >= r.ID {
				return idError(r.ID, id)
			}
		}
		cp := r
		cp.Studies = c.mapStudies(r.Studies)
		id, err := c.to.CreateRun(ctx, cp)
		if err != nil {
			return fmt.Errorf("run %d (%s): %w", r.ID, r.Name, err)
		}
		if id != r.ID {
			return idError(r.ID, id)
		}
		next = id + 1
		c.rep.Runs++
		c.progress(Progress{Part: "runs", Done: i + 1, Total: len(runs)})
	}
	return nil
}

func idError(want, got int) error {
	return fmt.Errorf("run %d would become run %d (the destination was written to before): %w; run ids are named in study names and attributes, so copy into a database that was never written to",
		want, got, ErrIDs)
}

// copyStages puts every stage, its studies remapped.
func (c *copier) copyStages(ctx context.Context) error {
	stages, err := c.from.ListStages(ctx, 0)
	if err != nil {
		return fmt.Errorf("list stages: %w", err)
	}
	for i, st := range stages {
		cp := st
		cp.Studies = c.mapStudies(st.Studies)
		if err := c.to.PutStage(ctx, cp); err != nil {
			return fmt.Errorf("stage %s (%s): %w", st.Key, st.Name, err)
		}
		c.rep.Stages++
		c.progress(Progress{Part: "stages", Done: i + 1, Total: len(stages)})
	}
	return nil
}

// copyArtifacts streams every artifact's bytes, with its metadata, and
// checks that they arrive under the same id.
func (c *copier) copyArtifacts(ctx context.Context) error {
	metas, err := c.from.ListArtifacts(ctx, "")
	if err != nil {
		return fmt.Errorf("list artifacts: %w", err)
	}
	for i, m := range metas {
		if err := c.copyArtifact(ctx, m); err != nil {
			return err
		}
		c.rep.Artifacts++
		c.rep.ArtifactBytes += m.Size
		c.progress(Progress{Part: "artifacts", Done: i + 1, Total: len(metas), Bytes: c.rep.ArtifactBytes})
	}
	return nil
}

func (c *copier) copyArtifact(ctx context.Context, m tracker.ArtifactMeta) (err error) {
	rc, meta, err := c.from.OpenArtifact(ctx, m.ID)
	if err != nil {
		return fmt.Errorf("read artifact %s: %w", m.ID, err)
	}
	defer func() {
		if cerr := rc.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("read artifact %s: %w", m.ID, cerr)
		}
	}()
	id, err := c.to.PutArtifactFrom(ctx, rc, meta)
	if err != nil {
		return fmt.Errorf("artifact %s (%s %s): %w", m.ID, m.Kind, m.Name, err)
	}
	if id != m.ID {
		return fmt.Errorf("artifact %s arrived as %s: %w", m.ID, id, ErrMismatch)
	}
	return nil
}

// copyWork copies the work items of every run when both databases have a
// work queue. A done item is enqueued, claimed and completed with its
// result on its own (so the claim takes that item and no other); the
// others are enqueued pending.
func (c *copier) copyWork(ctx context.Context) error {
	from, ok1 := c.from.(tracker.WorkQueue)
	to, ok2 := c.to.(tracker.WorkQueue)
	if !ok1 || !ok2 {
		return nil
	}
	runs, err := c.from.ListRuns(ctx)
	if err != nil {
		return fmt.Errorf("list runs: %w", err)
	}
	const owner = "cgx-db-copy"
	var all [][]tracker.WorkItem
	total := 0
	for _, r := range sortedRuns(runs) {
		items, err := from.ListWork(ctx, r.ID, "")
		if errors.Is(err, errors.ErrUnsupported) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("list the work of run %d: %w", r.ID, err)
		}
		all = append(all, items)
		total += len(items)
	}
	for _, items := range all {
		var rest []tracker.WorkItem
		for _, it := range items {
			if it.State != tracker.WorkDone {
				rest = append(rest, tracker.WorkItem{WorkKey: it.WorkKey, Kind: it.Kind, Payload: it.Payload})
				continue
			}
			if err := copyDone(ctx, to, it, owner); err != nil {
				return err
			}
			c.rep.WorkItems++
		}
		if len(rest) > 0 {
			if err := to.EnqueueWork(ctx, rest); err != nil {
				return fmt.Errorf("enqueue the work of run %d: %w", rest[0].RunID, err)
			}
			c.rep.WorkItems += len(rest)
		}
		if len(items) > 0 {
			c.progress(Progress{Part: "work items", Done: c.rep.WorkItems, Total: total})
		}
	}
	return nil
}

func copyDone(ctx context.Context, to tracker.WorkQueue, it tracker.WorkItem, owner string) error {
	key := it.WorkKey
	if err := to.EnqueueWork(ctx, []tracker.WorkItem{{WorkKey: key, Kind: it.Kind, Payload: it.Payload}}); err != nil {
		return fmt.Errorf("enqueue work item %+v: %w", key, err)
	}
	got, ok, err := to.ClaimWork(ctx, owner, time.Minute, key.RunID, key.Stage)
	if err != nil {
		return fmt.Errorf("claim work item %+v: %w", key, err)
	}
	if !ok || got.WorkKey != key {
		return fmt.Errorf("claim work item %+v: got %+v (claimable: %v): %w", key, got.WorkKey, ok, ErrMismatch)
	}
	if err := to.CompleteWork(ctx, key, owner, it.Result); err != nil {
		return fmt.Errorf("complete work item %+v: %w", key, err)
	}
	return nil
}

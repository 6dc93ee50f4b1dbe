package storagetest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cgx-dev/cgx/tracker"
)

// partial presents a backend as a tracker.DB while parts of the contract
// are still being written for it: every part the backend has is forwarded
// to it, and every call of a part it lacks answers errors.ErrUnsupported,
// so that the suite skips that part by name instead of failing to build.
// Once a backend meets tracker.DB whole, partial forwards everything.
type partial struct {
	tracker.StudyStorage
	name      string
	runs      tracker.RunStorage
	stages    tracker.StageStorage
	artifacts tracker.ArtifactStorage
	queue     tracker.WorkQueue
	maint     tracker.Maintenance
	info      interface{ Info() tracker.Info }
	closer    io.Closer
}

// adapt wraps a backend; queue, when not nil, stands in for a work queue
// the backend lacks.
func adapt(name string, b tracker.StudyStorage, queue tracker.WorkQueue) partial {
	p := partial{StudyStorage: b, name: name, queue: queue}
	p.runs, _ = b.(tracker.RunStorage)
	p.stages, _ = b.(tracker.StageStorage)
	p.artifacts, _ = b.(tracker.ArtifactStorage)
	if q, ok := b.(tracker.WorkQueue); ok {
		p.queue = q
	}
	p.maint, _ = b.(tracker.Maintenance)
	p.info, _ = b.(interface{ Info() tracker.Info })
	p.closer, _ = b.(io.Closer)
	return p
}

func (p partial) missing(part string) error {
	return fmt.Errorf("%s backend: %s: %w", p.name, part, errors.ErrUnsupported)
}

var _ tracker.DB = partial{}

func (p partial) Info() tracker.Info {
	if p.info == nil {
		return tracker.Info{}
	}
	return p.info.Info()
}

func (p partial) Close() error {
	if p.closer == nil {
		return nil
	}
	return p.closer.Close()
}

func (p partial) CreateRun(ctx context.Context, r tracker.Run) (int, error) {
	if p.runs == nil {
		return 0, p.missing("runs")
	}
	return p.runs.CreateRun(ctx, r)
}

func (p partial) UpdateRun(ctx context.Context, id int, fn func(*tracker.Run) error) error {
	if p.runs == nil {
		return p.missing("runs")
	}
	return p.runs.UpdateRun(ctx, id, fn)
}

func (p partial) GetRun(ctx context.Context, id int) (tracker.Run, error) {
	if p.runs == nil {
		return tracker.Run{}, p.missing("runs")
	}
	return p.runs.GetRun(ctx, id)
}

func (p partial) ListRuns(ctx context.Context) ([]tracker.Run, error) {
	if p.runs == nil {
		return nil, p.missing("runs")
	}
	return p.runs.ListRuns(ctx)
}

func (p partial) SetRunTags(ctx context.Context, id int, add, rm []string) ([]string, error) {
	if p.runs == nil {
		return nil, p.missing("runs")
	}
	return p.runs.SetRunTags(ctx, id, add, rm)
}

func (p partial) SetRunNote(ctx context.Context, id int, note string) error {
	if p.runs == nil {
		return p.missing("runs")
	}
	return p.runs.SetRunNote(ctx, id, note)
}

func (p partial) DeleteRun(ctx context.Context, id int) (tracker.RunDeletion, error) {
	if p.runs == nil {
		return tracker.RunDeletion{}, p.missing("runs")
	}
	return p.runs.DeleteRun(ctx, id)
}

func (p partial) PutStage(ctx context.Context, st tracker.Stage) error {
	if p.stages == nil {
		return p.missing("stages")
	}
	return p.stages.PutStage(ctx, st)
}

func (p partial) GetStage(ctx context.Context, key string) (tracker.Stage, error) {
	if p.stages == nil {
		return tracker.Stage{}, p.missing("stages")
	}
	return p.stages.GetStage(ctx, key)
}

func (p partial) ListStages(ctx context.Context, runID int) ([]tracker.Stage, error) {
	if p.stages == nil {
		return nil, p.missing("stages")
	}
	return p.stages.ListStages(ctx, runID)
}

func (p partial) PutArtifact(ctx context.Context, data []byte, meta tracker.ArtifactMeta) (tracker.ID, error) {
	if p.artifacts == nil {
		return tracker.ID{}, p.missing("artifacts")
	}
	return p.artifacts.PutArtifact(ctx, data, meta)
}

func (p partial) PutArtifacts(ctx context.Context, items []tracker.ArtifactPut) ([]tracker.ID, error) {
	if p.artifacts == nil {
		return nil, p.missing("artifacts")
	}
	return p.artifacts.PutArtifacts(ctx, items)
}

func (p partial) GetArtifact(ctx context.Context, id tracker.ID) ([]byte, tracker.ArtifactMeta, error) {
	if p.artifacts == nil {
		return nil, tracker.ArtifactMeta{}, p.missing("artifacts")
	}
	return p.artifacts.GetArtifact(ctx, id)
}

func (p partial) PutArtifactFrom(ctx context.Context, r io.Reader, meta tracker.ArtifactMeta) (tracker.ID, error) {
	if p.artifacts == nil {
		return tracker.ID{}, p.missing("artifacts")
	}
	return p.artifacts.PutArtifactFrom(ctx, r, meta)
}

func (p partial) OpenArtifact(ctx context.Context, id tracker.ID) (io.ReadCloser, tracker.ArtifactMeta, error) {
	if p.artifacts == nil {
		return nil, tracker.ArtifactMeta{}, p.missing("artifacts")
	}
	return p.artifacts.OpenArtifact(ctx, id)
}

func (p partial) StatArtifact(ctx context.Context, id tracker.ID) (tracker.ArtifactMeta, error) {
	if p.artifacts == nil {
		return tracker.ArtifactMeta{}, p.missing("artifacts")
	}
	return p.artifacts.StatArtifact(ctx, id)
}

func (p partial) ListArtifacts(ctx context.Context, kind string) ([]tracker.ArtifactMeta, error) {
	if p.artifacts == nil {
		return nil, p.missing("artifacts")
	}
	return p.artifacts.ListArtifacts(ctx, kind)
}

func (p partial) EnqueueWork(ctx context.Context, items []tracker.WorkItem) error {
	if p.queue == nil {
		return p.missing("the work queue")
	}
	return p.queue.EnqueueWork(ctx, items)
}

func (p partial) ClaimWork(ctx context.Context, owner string, lease time.Duration, runID int, stage string) (tracker.WorkItem, bool, error) {
	if p.queue == nil {
		return tracker.WorkItem{}, false, p.missing("the work queue")
	}
	return p.queue.ClaimWork(ctx, owner, lease, runID, stage)
}

func (p partial) RenewLease(ctx context.Context, key tracker.WorkKey, owner string, lease time.Duration) error {
	if p.queue == nil {
		return p.missing("the work queue")
	}
	return p.queue.RenewLease(ctx, key, owner, lease)
}

func (p partial) CompleteWork(ctx context.Context, key tracker.WorkKey, owner string, result tracker.ID) error {
	if p.queue == nil {
		return p.missing("the work queue")
	}
	return p.queue.CompleteWork(ctx, key, owner, result)
}

func (p partial) ListWork(ctx context.Context, runID int, stage string) ([]tracker.WorkItem, error) {
	if p.queue == nil {
		return nil, p.missing("the work queue")
	}
	return p.queue.ListWork(ctx, runID, stage)
}

func (p partial) Check(ctx context.Context) (tracker.CheckReport, error) {
	if p.maint == nil {
		return tracker.CheckReport{}, p.missing("check")
	}
	return p.maint.Check(ctx)
}

func (p partial) GC(ctx context.Context, opt tracker.GCOptions) (tracker.GCReport, error) {
	if p.maint == nil {
		return tracker.GCReport{}, p.missing("gc")
	}
	return p.maint.GC(ctx, opt)
}

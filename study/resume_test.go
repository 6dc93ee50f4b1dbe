package study

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
)

// reference runs tc uninterrupted and returns its COMPLETE trials by slot.
func reference(t *testing.T, cfg Config, space Space) map[int]goptuna.FrozenTrial {
	t.Helper()
	st := goptuna.NewInMemoryStorage()
	cfg.Workers = 1
	sum := mustRun(t, st, cfg, space, quadratic(false))
	return bySlot(t, st, sum.StudyID)
}

func TestCancelThenResumeMatchesUninterrupted(t *testing.T) {
	space := testSpace(t)
	for _, tc := range samplerCases {
		for _, cancelAt := range []int{1, 13, tc.trials - 2} {
			t.Run(tc.name+"/cancel-at-"+strconv.Itoa(cancelAt), func(t *testing.T) {
				cfg := tc.cfg
				cfg.Study, cfg.Trials = "s", tc.trials
				want := reference(t, cfg, space)

				st := goptuna.NewInMemoryStorage()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				base := quadratic(true)
				obj := func(ctx context.Context, in TrialInput) (Outcome, error) {
					if in.Slot == cancelAt {
						cancel()
						return Outcome{}, ctx.Err()
					}
					return base(ctx, in)
				}
				cfg.Workers = 4
				sum, err := Run(ctx, st, cfg, space, obj)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled Run error = %v, want context.Canceled", err)
				}
				if sum.Trials >= tc.trials {
					t.Fatalf("cancelled run completed all %d trials", sum.Trials)
				}
				partial := bySlot(t, st, sum.StudyID)
				for slot, tr := range partial {
					if d := diffTrials(want[slot], tr); d != "" {
						t.Fatalf("slot %d stored before the cancellation differs from the reference:\n%s", slot, d)
					}
				}
				var cancelled int
				for _, tr := range allTrials(t, st, sum.StudyID) {
					switch tr.State {
					case goptuna.TrialStateFail:
						if !strings.HasPrefix(tr.SystemAttrs[AttrError], "cancelled: ") {
							t.Errorf("failed trial %d has cgx.error %q, want a cancellation", tr.Number, tr.SystemAttrs[AttrError])
						}
						cancelled++
					case goptuna.TrialStateComplete:
					default:
						t.Errorf("trial %d left in state %v after cancellation", tr.Number, tr.State)
					}
				}
				if cancelled == 0 {
					t.Error("no trial recorded the cancellation")
				}

				cfg.Workers = 3
				sum = mustRun(t, st, cfg, space, quadratic(true))
				if sum.Reused != len(partial) || sum.Ran != tc.trials-len(partial) || sum.Failed != cancelled {
					t.Errorf("resume summary %+v, want reused %d, ran %d, failed %d", sum, len(partial), tc.trials-len(partial), cancelled)
				}
				if d := diffTrials(want, bySlot(t, st, sum.StudyID)); d != "" {
					t.Fatalf("resumed study differs from the uninterrupted one (-want +got):\n%s", d)
				}
			})
		}
	}
}

func TestResumeMarksAbandonedTrialsFailedAndRerunsTheirSlot(t *testing.T) {
	space := testSpace(t)
	for _, tc := range samplerCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Study, cfg.Trials = "s", tc.trials
			want := reference(t, cfg, space)

			// A process that died while evaluating slots 12 and 13: they were
			// stored RUNNING (with whatever parameters) and never finished.
			st := goptuna.NewInMemoryStorage()
			first := cfg
			first.Trials, first.Workers = 12, 2
			sum := mustRun(t, st, first, space, quadratic(false))
			for _, slot := range []int{12, 13} {
				p := plan{slot: slot, seed: 99, proposal: proposal{params: map[string]float64{"x": 0, "scale": 1, "n": 0, "kind": 0}}}
				if _, err := createTrial(st, sum.StudyID, space, p); err != nil {
					t.Fatal(err)
				}
			}

			cfg.Workers = 4
			sum = mustRun(t, st, cfg, space, quadratic(true))
			if sum.Abandoned != 2 || sum.Failed != 2 || sum.Reused != 12 {
				t.Errorf("summary %+v, want 2 abandoned and failed, 12 reused", sum)
			}
			for _, tr := range allTrials(t, st, sum.StudyID) {
				if tr.State == goptuna.TrialStateFail && !strings.HasPrefix(tr.SystemAttrs[AttrError], "abandoned") {
					t.Errorf("abandoned trial %d has cgx.error %q", tr.Number, tr.SystemAttrs[AttrError])
				}
			}
			if d := diffTrials(want, bySlot(t, st, sum.StudyID)); d != "" {
				t.Fatalf("study resumed after a crash differs from the uninterrupted one (-want +got):\n%s", d)
			}
		})
	}
}

func TestExtendingTrialsMatchesOneLongRun(t *testing.T) {
	space := testSpace(t)
	for _, tc := range samplerCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Study, cfg.Trials = "s", tc.trials
			want := reference(t, cfg, space)
			st := goptuna.NewInMemoryStorage()
			short := cfg
			short.Trials, short.Workers = tc.trials/2+1, 2 // ends mid-batch
			mustRun(t, st, short, space, quadratic(false))
			cfg.Workers = 2
			sum := mustRun(t, st, cfg, space, quadratic(false))
			if d := diffTrials(want, bySlot(t, st, sum.StudyID)); d != "" {
				t.Fatalf("extended study differs from one long run:\n%s", d)
			}
		})
	}
}

func TestObjectiveFailureStopsRunAndResumes(t *testing.T) {
	space := testSpace(t)
	boom := errors.New("renderer crashed")
	tests := []struct {
		name    string
		fail    func(TrialInput) (Outcome, error)
		wantErr []error
	}{
		{"error", func(TrialInput) (Outcome, error) { return Outcome{}, boom }, []error{ErrObjective, boom}},
		{"panic", func(TrialInput) (Outcome, error) { panic("nil scene") }, []error{ErrObjective}},
		{"nan", func(TrialInput) (Outcome, error) { return Outcome{Value: nan()}, nil }, []error{ErrObjective, ErrBadValue}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Study: "s", Sampler: SamplerTPE, Seed: 5, Trials: 24, BatchSize: 4, Workers: 3}
			want := reference(t, cfg, space)
			st := goptuna.NewInMemoryStorage()
			base := quadratic(true)
			obj := func(ctx context.Context, in TrialInput) (Outcome, error) {
				if in.Slot == 9 {
					return tc.fail(in)
				}
				return base(ctx, in)
			}
			sum, err := Run(context.Background(), st, cfg, space, obj)
			for _, w := range tc.wantErr {
				if !errors.Is(err, w) {
					t.Errorf("Run error = %v, want it to wrap %v", err, w)
				}
			}
			if err == nil || !strings.Contains(err.Error(), "slot 9") {
				t.Errorf("error %v does not name slot 9", err)
			}
			if sum.Failed != 1 || sum.Trials < 8 || sum.Trials > 11 {
				t.Errorf("summary after failure %+v, want 1 failed and batches before slot 9 complete", sum)
			}
			for _, tr := range allTrials(t, st, sum.StudyID) {
				if tr.State == goptuna.TrialStateFail && !strings.HasPrefix(tr.SystemAttrs[AttrError], "objective: ") {
					t.Errorf("failed trial has cgx.error %q", tr.SystemAttrs[AttrError])
				}
			}
			sum = mustRun(t, st, cfg, space, base)
			if d := diffTrials(want, bySlot(t, st, sum.StudyID)); d != "" {
				t.Fatalf("study resumed after an objective failure differs:\n%s", d)
			}
		})
	}
}

func TestCancellationIsPrompt(t *testing.T) {
	space := testSpace(t)
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Int32
	obj := func(ctx context.Context, in TrialInput) (Outcome, error) {
		if started.Add(1) == 3 {
			cancel()
		}
		<-ctx.Done() // a long render that honours ctx
		return Outcome{}, ctx.Err()
	}
	st := goptuna.NewInMemoryStorage()
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, st, Config{Study: "s", Sampler: SamplerRandom, Trials: 1000, BatchSize: 8, Workers: 4}, space, obj)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run error = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	trials := allTrials(t, st, 1)
	if n := int(started.Load()); len(trials) != n || n > 4 {
		t.Errorf("stored %d trials for %d objective calls, want one per call and at most 4 (the workers)", len(trials), n)
	}
	for _, tr := range trials {
		if tr.State != goptuna.TrialStateFail {
			t.Errorf("trial %d state %v, want FAIL", tr.Number, tr.State)
		}
	}
}

func TestStoredTrialContents(t *testing.T) {
	space := testSpace(t)
	st := goptuna.NewInMemoryStorage()
	cfg := Config{Study: "run-3/search/exp1/round-1", Sampler: SamplerCMAES, Seed: 7, Trials: 12, BatchSize: 6, Workers: 2,
		UserAttrs: map[string]string{"cgx.run": "3", "cgx.kind": "content"}}
	sum := mustRun(t, st, cfg, space, quadratic(false))
	attrs, err := st.GetStudyUserAttrs(sum.StudyID)
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs := map[string]string{"cgx.run": "3", "cgx.kind": "content", "cgx.sampler": "cmaes", "cgx.seed": "7"}
	if d := diffTrials(wantAttrs, attrs); d != "" {
		t.Errorf("study user attributes (-want +got):\n%s", d)
	}
	for i, tr := range allTrials(t, st, sum.StudyID) {
		if tr.State != goptuna.TrialStateComplete {
			t.Fatalf("trial %d state %v", i, tr.State)
		}
		if d := diffTrials(space.Distributions(), tr.Distributions); d != "" {
			t.Errorf("trial %d distributions:\n%s", i, d)
		}
		for name, d := range tr.Distributions {
			ext, err := goptuna.ToExternalRepresentation(d, tr.InternalParams[name])
			if err != nil || ext != tr.Params[name] {
				t.Errorf("trial %d param %s: external %v, stored %v (%v)", i, name, ext, tr.Params[name], err)
			}
		}
		wantSys := map[string]string{AttrSlot: strconv.Itoa(i), AttrSeed: strconv.FormatInt(TrialSeed(7, i), 10)}
		if i >= 6 {
			wantSys[attrGeneration] = "0"
		}
		if d := diffTrials(wantSys, tr.SystemAttrs); d != "" {
			t.Errorf("trial %d system attributes (-want +got):\n%s", i, d)
		}
		in := TrialInput{Slot: i, Params: maps.Clone(tr.Params), Seed: ObjectiveSeed(TrialSeed(7, i))}
		out, _ := quadratic(false)(context.Background(), in)
		if tr.Value != out.Value || !maps.Equal(tr.UserAttrs, out.Attrs) {
			t.Errorf("trial %d stores value %v attrs %v, objective gives %v %v", i, tr.Value, tr.UserAttrs, out.Value, out.Attrs)
		}
	}
	if sum.Best.Value <= 0 || sum.Best.Attrs["result"] == "" {
		t.Errorf("summary best %+v lacks a value or attributes", sum.Best)
	}
}

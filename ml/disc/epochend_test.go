package disc

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// Evaluating held-out images after every epoch (what the runner does to
// record per-epoch held-out loss) leaves training bit for bit unchanged, and
// an EpochEnd error stops training.
func TestEpochEndEvaluateChangesNothing(t *testing.T) {
	cfg := smallConfig()
	train := func(hook bool) ([]byte, []float32, []Evaluation) {
		m, err := New(cfg, 5)
		if err != nil {
			t.Fatal(err)
		}
		var evs []Evaluation
		tc := TrainConfig{Epochs: 3, BatchSize: 8, LR: 3e-3, Seed: 5}
		if hook {
			tc.EpochEnd = func(er EpochReport) error {
				ev, err := m.Evaluate(context.Background(), smoothGradients(6, cfg.Size, 31), colouredNoise(6, cfg.Size, 32))
				evs = append(evs, ev)
				return err
			}
		}
		rep, err := m.Train(context.Background(), tc, smoothGradients(18, cfg.Size, 21), colouredNoise(18, cfg.Size, 22))
		if err != nil {
			t.Fatal(err)
		}
		blob, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return blob, rep.Losses, evs
	}
	w0, l0, _ := train(false)
	w1, l1, evs := train(true)
	if !bytes.Equal(w0, w1) || !bitsEqual(l0, l1) {
		t.Fatal("evaluating after each epoch changed the trained weights or losses")
	}
	if len(evs) != 3 || evs[0].Loss == evs[2].Loss {
		t.Errorf("per-epoch evaluations %+v: want 3 that differ", evs)
	}
	m, err := New(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	rep, err := m.Train(context.Background(), TrainConfig{Epochs: 3, BatchSize: 8, Seed: 5, EpochEnd: func(er EpochReport) error {
		if er.Epoch == 2 {
			return stop
		}
		return nil
	}}, smoothGradients(18, cfg.Size, 21), colouredNoise(18, cfg.Size, 22))
	if !errors.Is(err, stop) || len(rep.Epochs) != 2 {
		t.Errorf("EpochEnd error: err %v after %d epochs, want stop after 2", err, len(rep.Epochs))
	}
}

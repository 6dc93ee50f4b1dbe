package seg

import (
	"bytes"
	"context"
	"math"
	"testing"
)

// TestHeldOutLossPerEpoch: with a held-out set, Train reports its loss after
// every epoch, and the weights and training losses are the bits training
// without it gives (scoring never touches the weights). Scoring the
// training images themselves after the last epoch gives a loss of the size
// the last epoch's training loss had.
func TestHeldOutLossPerEpoch(t *testing.T) {
	cfg := testConfig()
	train, trainMaps := synthSet(11, 12, cfg.Size)
	test, testMaps := synthSet(12, 6, cfg.Size)
	tc := TrainConfig{Epochs: 3, BatchSize: 4, LR: 3e-3, Seed: 3}
	run := func(tc TrainConfig) (Report, []byte) {
		m, err := New(cfg, 7)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := m.Train(context.Background(), tc, train, trainMaps)
		if err != nil {
			t.Fatal(err)
		}
		w, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return rep, w
	}
	plain, wPlain := run(tc)
	if plain.HeldOutLoss != nil {
		t.Errorf("held-out loss %v without a held-out set", plain.HeldOutLoss)
	}
	tc.HeldOutImages, tc.HeldOutMasks = test, testMaps
	scored, wScored := run(tc)
	if !bytes.Equal(wPlain, wScored) {
		t.Error("scoring a held-out set changed the trained weights")
	}
	if len(scored.HeldOutLoss) != tc.Epochs {
		t.Fatalf("%d held-out losses for %d epochs", len(scored.HeldOutLoss), tc.Epochs)
	}
	for e, l := range scored.HeldOutLoss {
		if !(l > 0) || math.IsInf(l, 0) {
			t.Errorf("epoch %d held-out loss %v, want finite and positive", e+1, l)
		}
	}
	again, _ := run(tc)
	for e := range again.HeldOutLoss {
		if math.Float64bits(again.HeldOutLoss[e]) != math.Float64bits(scored.HeldOutLoss[e]) {
			t.Errorf("epoch %d held-out loss %v then %v: not the same bits", e+1, scored.HeldOutLoss[e], again.HeldOutLoss[e])
		}
	}
	tc.HeldOutImages, tc.HeldOutMasks = train, trainMaps
	self, _ := run(tc)
	last, lastTrain := self.HeldOutLoss[len(self.HeldOutLoss)-1], self.EpochLoss[len(self.EpochLoss)-1]
	if !(last < 2*lastTrain && last > lastTrain/2) {
		t.Errorf("loss on the training images after training %v, the last epoch's training loss %v: the two computations disagree", last, lastTrain)
	}
	tc.HeldOutMasks = nil
	m, _ := New(cfg, 7)
	if _, err := m.Train(context.Background(), tc, train, trainMaps); err == nil {
		t.Error("held-out images without instance maps were accepted")
	}
}

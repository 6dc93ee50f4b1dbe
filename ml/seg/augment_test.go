package seg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestAugment: Train calls Augment once per image and epoch with the
// loaded image, trains on what it leaves, and stops on its error.
func TestAugment(t *testing.T) {
	cfg := Config{Size: 16, Channels: []int{4, 8}, Border: 1, ForegroundThreshold: 0.5, InteriorThreshold: 0.5, MinArea: 2}
	train, maps := synthSet(31, 6, cfg.Size)
	run := func(aug func(e, i int, img []float32) error) ([]byte, error) {
		m, err := New(cfg, 5)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Train(context.Background(), TrainConfig{Epochs: 2, BatchSize: 4, Seed: 9, Augment: aug}, train, maps); err != nil {
			return nil, err
		}
		return m.Marshal()
	}
	plain, err := run(nil)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	same, err := run(func(e, i int, img []float32) error {
		calls[fmt.Sprintf("%d/%d", e, i)]++
		want := make([]float32, len(img))
		if err := train.Load(i, want); err != nil {
			return err
		}
		if !equalFloats(img, want) {
			t.Errorf("epoch %d image %d: Augment got something other than the loaded image", e, i)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain, same) {
		t.Errorf("an Augment that changes nothing changed the weights")
	}
	if len(calls) != 2*train.Len() {
		t.Errorf("Augment called for %d (epoch, image) pairs, want %d", len(calls), 2*train.Len())
	}
	for k, n := range calls {
		if n != 1 {
			t.Errorf("Augment called %d times for %s, want once", n, k)
		}
	}
	darker, err := run(func(e, i int, img []float32) error {
		for j := range img {
			img[j] *= 0.5
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(plain, darker) {
		t.Errorf("darkening every image did not change the weights")
	}
	boom := errors.New("boom")
	if _, err := run(func(int, int, []float32) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("error %v, want the Augment error", err)
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

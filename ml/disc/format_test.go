package disc

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMarshalRoundTrip(t *testing.T) {
	cfg := Config{Size: 8, Channels: []int{4}, Kernel: 5}
	m, err := New(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Load(blob)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(cfg, m2.Config()); d != "" {
		t.Fatalf("config changed (-want +got):\n%s", d)
	}
	blob2, err := m2.MarshalBinary()
	if err != nil || !bytes.Equal(blob, blob2) {
		t.Fatalf("re-marshalled bytes differ (err %v)", err)
	}
	x := colouredNoise(4, 8, 1).Tensor()
	p1, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := m2.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(p1, p2); d != "" {
		t.Fatalf("loaded model predicts differently:\n%s", d)
	}
}

func TestLoadRejects(t *testing.T) {
	m, _ := New(Config{Size: 8, Channels: []int{2}, Kernel: 3}, 1)
	good, _ := m.MarshalBinary()
	other, _ := New(Config{Size: 8, Channels: []int{3}, Kernel: 3}, 1)
	otherBlob, _ := other.MarshalBinary()
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"bad magic", append([]byte("NOTADISC"), good[8:]...), ErrFormat},
		{"newer version", func() []byte { b := bytes.Clone(good); b[8] = 2; return b }(), ErrFormat},
		{"truncated", good[:len(good)-3], ErrFormat},
		{"config of another model", append(bytes.Clone(good[:26]), otherBlob[26:]...), ErrFormat},
		{"invalid config", func() []byte { b := bytes.Clone(good); b[14] = 2; return b }(), ErrConfig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Load(c.data); !errors.Is(err, c.want) {
				t.Fatalf("Load error %v, want %v", err, c.want)
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	m, _ := New(Config{Size: 4, Channels: []int{1}, Kernel: 1}, 1)
	good, _ := m.MarshalBinary()
	f.Add(good)
	f.Add([]byte("CGXDISC\x00\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(data)
		if err != nil {
			return
		}
		again, err := m.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted bytes do not round-trip (err %v)", err)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"default", DefaultConfig(), true},
		{"one block", Config{Size: 10, Channels: []int{3}, Kernel: 3}, true},
		{"size not divisible", Config{Size: 30, Channels: []int{4, 4}, Kernel: 3}, false},
		{"even kernel", Config{Size: 8, Channels: []int{4}, Kernel: 2}, false},
		{"no blocks", Config{Size: 8, Kernel: 3}, false},
		{"zero channels", Config{Size: 8, Channels: []int{0}, Kernel: 3}, false},
		{"zero size", Config{Channels: []int{4}, Kernel: 3}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrConfig)) {
				t.Fatalf("Validate() = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestInputErrors(t *testing.T) {
	m, _ := New(smallConfig(), 1)
	ctx := context.Background()
	wrongSize := colouredNoise(2, 8, 1)
	good := colouredNoise(2, 16, 1)
	empty := colouredNoise(0, 16, 1)
	cases := []struct {
		name string
		run  func() error
		want error
	}{
		{"train wrong image size", func() error {
			_, err := m.Train(ctx, TrainConfig{Epochs: 1}, wrongSize, good)
			return err
		}, ErrInput},
		{"train without real images", func() error {
			_, err := m.Train(ctx, TrainConfig{Epochs: 1}, good, empty)
			return err
		}, ErrInput},
		{"train zero epochs", func() error {
			_, err := m.Train(ctx, TrainConfig{}, good, good)
			return err
		}, ErrConfig},
		{"train negative learning rate", func() error {
			_, err := m.Train(ctx, TrainConfig{Epochs: 1, LR: -1}, good, good)
			return err
		}, ErrConfig},
		{"evaluate wrong size", func() error { _, err := m.Evaluate(ctx, good, wrongSize); return err }, ErrInput},
		{"predict wrong shape", func() error { _, err := m.Predict(wrongSize.Tensor()); return err }, ErrInput},
		{"step bad label", func() error {
			tr, _ := m.NewTrainer(1e-3)
			_, err := tr.Step(make([]float32, 3*16*16), []int{2})
			return err
		}, ErrInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(); !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.Train(cancelled, TrainConfig{Epochs: 1}, good, good); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled training: %v", err)
	}
}

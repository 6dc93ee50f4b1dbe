package seg

import (
	"fmt"
	"math"
	"slices"
)

// Config is a segmentation network's architecture and instance extraction
// settings. It is stored with the weights (Marshal).
type Config struct {
	// Size is the input height and width in pixels; it must be divisible by
	// 2^(len(Channels)-1).
	Size int `json:"size"`
	// Channels are the feature channels of each resolution level, finest
	// first: level l works at Size/2^l with two 3x3 convolutions.
	Channels []int `json:"channels"`
	// Border is the width in pixels of the boundary band taken out of each
	// instance to make its interior target: an instance pixel is interior
	// when every pixel within Border (chessboard distance) inside the image
	// has the same instance id.
	Border int `json:"border"`
	// ForegroundThreshold and InteriorThreshold are the probabilities above
	// which a pixel counts as foreground and as interior (a seed).
	ForegroundThreshold float64 `json:"foreground_threshold"`
	InteriorThreshold   float64 `json:"interior_threshold"`
	// MinArea drops extracted instances of fewer pixels.
	MinArea int `json:"min_area"`
}

// DefaultConfig is a CPU-sized U-Net for 64x64 images: three levels of
// 16, 32 and 64 channels, a 2-pixel boundary band, thresholds 0.5 and
// instances of at least 8 pixels.
func DefaultConfig() Config {
	return Config{Size: 64, Channels: []int{16, 32, 64}, Border: 2, ForegroundThreshold: 0.5, InteriorThreshold: 0.5, MinArea: 8}
}

// Validate checks that the network can be built.
func (c Config) Validate() error {
	if len(c.Channels) < 1 || len(c.Channels) > 6 {
		return fmt.Errorf("%w: %d levels, want 1 to 6", ErrConfig, len(c.Channels))
	}
	for i, ch := range c.Channels {
		if ch < 1 || ch > 1024 {
			return fmt.Errorf("%w: level %d has %d channels, want 1 to 1024", ErrConfig, i, ch)
		}
	}
	div := 1 << (len(c.Channels) - 1)
	if c.Size < div || c.Size > 4096 || c.Size%div != 0 {
		return fmt.Errorf("%w: size %d must be between %d and 4096 and divisible by %d (2^(levels-1))", ErrConfig, c.Size, div, div)
	}
	if c.Border < 0 || c.Border > c.Size/2 {
		return fmt.Errorf("%w: border %d, want 0 to %d", ErrConfig, c.Border, c.Size/2)
	}
	for _, th := range []float64{c.ForegroundThreshold, c.InteriorThreshold} {
		if !(th > 0 && th < 1) {
			return fmt.Errorf("%w: threshold %v, want strictly between 0 and 1", ErrConfig, th)
		}
	}
	if c.MinArea < 1 {
		return fmt.Errorf("%w: min area %d, want at least 1", ErrConfig, c.MinArea)
	}
	return nil
}

func (c Config) clone() Config {
	c.Channels = slices.Clone(c.Channels)
	return c
}

// imageSize is the number of float32 values of one input image.
func (c Config) imageSize() int { return InputChannels * c.Size * c.Size }

// TrainConfig controls Train. Zero BatchSize and LR take the defaults.
type TrainConfig struct {
	Epochs    int     // passes over the training images, at least 1
	BatchSize int     // images per step (default 8); the last batch of an epoch may be smaller
	LR        float64 // Adam learning rate (default 2e-3)
	Seed      int64   // shuffling seed: epoch e uses stream "shuffle/epoch-<e>"
	// Augment, when set, changes training image index (as loaded) in place
	// before epoch epoch (from 1) trains on it: per-epoch augmentation. It
	// must depend only on its arguments (seed its draws by epoch and index),
	// keep values in [0, 1], and be safe for concurrent use.
	Augment func(epoch, index int, img []float32) error
	// Progress, when set, is called after every step.
	Progress func(Progress)
	// HeldOutImages and HeldOutMasks, when set, are scored after every
	// epoch with the training loss (Report.HeldOutLoss); they never change
	// the weights. Keep them small: it costs a forward pass over them per
	// epoch.
	HeldOutImages Images
	HeldOutMasks  InstanceMaps
}

// Defaults for TrainConfig's zero fields.
const (
	DefaultBatchSize = 8
	DefaultLR        = 2e-3
)

func (tc TrainConfig) withDefaults() (TrainConfig, error) {
	if tc.BatchSize == 0 {
		tc.BatchSize = DefaultBatchSize
	}
	if tc.LR == 0 {
		tc.LR = DefaultLR
	}
	switch {
	case tc.Epochs < 1:
		return tc, fmt.Errorf("%w: epochs %d, want at least 1", ErrConfig, tc.Epochs)
	case tc.BatchSize < 1 || tc.BatchSize > 1<<12:
		return tc, fmt.Errorf("%w: batch size %d, want 1..4096", ErrConfig, tc.BatchSize)
	case !(tc.LR > 0) || math.IsInf(tc.LR, 0):
		return tc, fmt.Errorf("%w: learning rate %v, want a positive number", ErrConfig, tc.LR)
	}
	return tc, nil
}

// Progress reports one finished training step.
type Progress struct {
	Epoch, Epochs int     // from 1
	Step, Steps   int     // within the epoch, from 1
	Loss          float32 // the batch's mean loss (foreground plus interior BCE)
}

// Report summarises a training run.
type Report struct {
	// Losses holds every step's loss, in order.
	Losses []float32
	// EpochLoss holds each epoch's mean loss, weighted by batch size.
	EpochLoss []float64
	// HeldOutLoss holds, after each epoch, the loss on the held-out images
	// (TrainConfig.HeldOutImages); nil without them.
	HeldOutLoss []float64
}

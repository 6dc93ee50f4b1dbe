package disc

import "fmt"

// Class labels, the same across cgx: class 0 is CG, class 1 is real.
const (
	ClassCG   = 0
	ClassReal = 1
	// Classes is the number of logits the discriminator outputs.
	Classes = 2
	// InputChannels is the number of colour channels (RGB).
	InputChannels = 3
)

// Config is the architecture: len(Channels) blocks of (Kernel×Kernel
// convolution with Kernel/2 zero padding, ReLU, 2×2 max-pool), then a linear
// layer from the flattened last block to 2 logits. Input is Size×Size RGB.
type Config struct {
	Size     int   // input height and width in pixels
	Channels []int // output channels of each convolution block
	Kernel   int   // convolution kernel size, odd
}

// DefaultConfig is the reference architecture: 64×64 RGB; 3×3 conv 3→32,
// ReLU, pool; 3×3 conv 32→64, ReLU, pool; 3×3 conv 64→64, ReLU, pool;
// linear 4096→2.
func DefaultConfig() Config {
	return Config{Size: 64, Channels: []int{32, 64, 64}, Kernel: 3}
}

// Limits on the architecture, far above what cgx uses, that keep a corrupt
// or hostile Config from allocating without bound.
const (
	maxSize     = 4096
	maxBlocks   = 8
	maxChannels = 4096
	maxKernel   = 15
)

// Validate reports why c cannot be built, naming the field.
func (c Config) Validate() error {
	if c.Size < 1 || c.Size > maxSize {
		return fmt.Errorf("%w: size %d, want 1..%d", ErrConfig, c.Size, maxSize)
	}
	if len(c.Channels) < 1 || len(c.Channels) > maxBlocks {
		return fmt.Errorf("%w: %d convolution blocks, want 1..%d", ErrConfig, len(c.Channels), maxBlocks)
	}
	for i, ch := range c.Channels {
		if ch < 1 || ch > maxChannels {
			return fmt.Errorf("%w: channels[%d] = %d, want 1..%d", ErrConfig, i, ch, maxChannels)
		}
	}
	if c.Kernel < 1 || c.Kernel > maxKernel || c.Kernel%2 == 0 {
		return fmt.Errorf("%w: kernel %d, want an odd size 1..%d", ErrConfig, c.Kernel, maxKernel)
	}
	if div := 1 << len(c.Channels); c.Size%div != 0 {
		return fmt.Errorf("%w: size %d must be divisible by %d (2 per pooling block)", ErrConfig, c.Size, div)
	}
	return nil
}

// featureSize is the length of the flattened last block.
func (c Config) featureSize() int {
	s := c.Size >> len(c.Channels)
	return c.Channels[len(c.Channels)-1] * s * s
}

// imageSize is the number of float32 values of one input image.
func (c Config) imageSize() int { return InputChannels * c.Size * c.Size }

func (c Config) clone() Config {
	c.Channels = append([]int(nil), c.Channels...)
	return c
}

package disc

import (
	"context"
	"fmt"
)

// Images is a read-only, indexed set of same-size RGB images in the model's
// input layout. ml/tensorimg adapts image.Image slices and float32 tensors;
// the experiment runner can load from artifacts lazily.
type Images interface {
	// Len returns the number of images.
	Len() int
	// Size returns the images' height and width in pixels.
	Size() (height, width int)
	// Load writes image i as 3·height·width float32 values in [0, 1],
	// channel-major (the R plane, then G, then B; rows top to bottom) into
	// dst, which has exactly that length. It must be safe to call from
	// several goroutines and give the same values every time.
	Load(i int, dst []float32) error
}

// checkImages validates a set against the model's input size.
func (m *Model) checkImages(what string, im Images) error {
	if im == nil {
		return fmt.Errorf("%w: %s images: nil set", ErrInput, what)
	}
	if h, w := im.Size(); im.Len() > 0 && (h != m.cfg.Size || w != m.cfg.Size) {
		return fmt.Errorf("%w: %s images are %dx%d, the discriminator takes %dx%d; resize them or build the model with Size %d",
			ErrInput, what, w, h, m.cfg.Size, m.cfg.Size, h)
	}
	return nil
}

// sample names one image of the two domains.
type sample struct {
	class int // ClassCG or ClassReal
	index int // in its domain
}

// loadBatch fills x (len(batch)·imageSize values) and labels from the two
// domains.
func (m *Model) loadBatch(ctx context.Context, batch []sample, cg, real Images, x []float32, labels []int) error {
	n := m.cfg.imageSize()
	for i, s := range batch {
		if i%8 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		set, name := cg, "cg"
		if s.class == ClassReal {
			set, name = real, "real"
		}
		if err := set.Load(s.index, x[i*n:(i+1)*n]); err != nil {
			return fmt.Errorf("load %s image %d: %w", name, s.index, err)
		}
		labels[i] = s.class
	}
	return nil
}

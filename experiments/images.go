package experiments

import (
	"fmt"
	"math/rand/v2"

	"github.com/cgx-dev/cgx/ml/disc"
)

// pixelSet is n images of 3*size*size float32 values in [0,1], CHW. It
// implements disc.Images (and seg.Images). Either pix holds every image
// (toPixelSet: the segmentation and content sets) or lazy reads them on
// demand (dataset stages and chained fits, imageset.go), so that a set's
// memory does not grow with its size.
type pixelSet struct {
	n, size int
	pix     []float32   // eager: every image, n*stride values
	lazy    *lazyImages // lazy: nil for eager sets
}

var _ disc.Images = (*pixelSet)(nil)

func (p *pixelSet) Len() int         { return p.n }
func (p *pixelSet) Size() (int, int) { return p.size, p.size }
func (p *pixelSet) stride() int      { return 3 * p.size * p.size }

// image returns image i of an eager set (the set's own memory).
func (p *pixelSet) image(i int) []float32 { return p.pix[i*p.stride() : (i+1)*p.stride()] }

func (p *pixelSet) Load(i int, dst []float32) error {
	if i < 0 || i >= p.n || len(dst) != p.stride() {
		return fmt.Errorf("load image %d of %d into %d values", i, p.n, len(dst))
	}
	if p.lazy != nil {
		if err := p.loadLazy(i, dst); err != nil {
			return fmt.Errorf("load image %d: %w", i, err)
		}
		return nil
	}
	copy(dst, p.image(i))
	return nil
}

// subset is a view of some images of a set, by index.
type subset struct {
	base disc.Images
	idx  []int
}

var _ disc.Images = subset{}

func (s subset) Len() int                        { return len(s.idx) }
func (s subset) Size() (int, int)                { return s.base.Size() }
func (s subset) Load(i int, dst []float32) error { return s.base.Load(s.idx[i], dst) }

// split is a seeded partition of a set's indices into held-out and training
// images. Held-out images come first in Order.
type split struct {
	Test, Train []int
}

// order returns held-out indices then training indices: the order in which
// images are picked for fitting, so fitted images are unseen by the
// discriminator whenever enough are held out.
func (s split) order() []int { return append(append([]int{}, s.Test...), s.Train...) }

// newSplit permutes 0..n-1 with a generator seeded from seed and holds out
// round(n*fraction) images (at least one of each part when n >= 2).
func newSplit(n int, fraction float64, seed int64) split {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x63677873706c6974)) // "cgxsplit"
	perm := rng.Perm(n)
	k := int(float64(float64(n)*fraction) + 0.5) // the product rounded: no fused multiply-add on arm64
	k = max(1, min(k, n-1))
	if n < 2 {
		k = 0
	}
	return split{Test: perm[:k], Train: perm[k:]}
}

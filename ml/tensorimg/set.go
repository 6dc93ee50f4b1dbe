package tensorimg

import (
	"fmt"
	"image"

	"gorgonia.org/tensor"
)

// Set is an immutable in-memory set of same-size images in plane layout.
// It implements disc.Images.
type Set struct {
	n, h, w int
	data    []float32 // n·3·h·w
}

// FromImages converts imgs, which must all have the same size.
func FromImages(imgs []image.Image) (*Set, error) {
	if len(imgs) == 0 {
		return &Set{}, nil
	}
	b := imgs[0].Bounds()
	s := &Set{n: len(imgs), h: b.Dy(), w: b.Dx()}
	per := Channels * s.h * s.w
	s.data = make([]float32, s.n*per)
	for i, img := range imgs {
		if ib := img.Bounds(); ib.Dx() != s.w || ib.Dy() != s.h {
			return nil, fmt.Errorf("convert images: %w: image %d is %dx%d, image 0 is %dx%d", ErrSize, i, ib.Dx(), ib.Dy(), s.w, s.h)
		}
		if err := FromImage(img, s.data[i*per:(i+1)*per]); err != nil {
			return nil, fmt.Errorf("convert image %d: %w", i, err)
		}
	}
	return s, nil
}

// FromTensor copies a float32 [N, 3, H, W] tensor into a set.
func FromTensor(t tensor.Tensor) (*Set, error) {
	d, ok := t.Data().([]float32)
	s := t.Shape()
	if !ok || s.Dims() != 4 || s[1] != Channels || len(d) != s.TotalSize() {
		return nil, fmt.Errorf("set from tensor: %w: got %v %v", ErrTensor, t.Dtype(), s)
	}
	return &Set{n: s[0], h: s[2], w: s[3], data: append([]float32(nil), d...)}, nil
}

// NewSet copies n images of h×w in plane layout from data.
func NewSet(n, h, w int, data []float32) (*Set, error) {
	if n < 0 || h < 1 || w < 1 || len(data) != n*Channels*h*w {
		return nil, fmt.Errorf("new set: %w: %d values for %d images of %dx%d", ErrSize, len(data), n, w, h)
	}
	return &Set{n: n, h: h, w: w, data: append([]float32(nil), data...)}, nil
}

// Len returns the number of images.
func (s *Set) Len() int { return s.n }

// Size returns the images' height and width.
func (s *Set) Size() (height, width int) { return s.h, s.w }

// Load copies image i into dst (3·H·W values).
func (s *Set) Load(i int, dst []float32) error {
	per := Channels * s.h * s.w
	if i < 0 || i >= s.n {
		return fmt.Errorf("load image %d: %w (set has %d)", i, ErrIndex, s.n)
	}
	if len(dst) != per {
		return fmt.Errorf("load image %d: %w: want %d values, got %d", i, ErrSize, per, len(dst))
	}
	copy(dst, s.data[i*per:(i+1)*per])
	return nil
}

// Tensor returns a copy of the set as a float32 [N, 3, H, W] tensor.
func (s *Set) Tensor() *tensor.Dense {
	return tensor.New(tensor.WithShape(s.n, Channels, s.h, s.w), tensor.WithBacking(append([]float32(nil), s.data...)))
}

// Image returns image i as an 8-bit NRGBA image.
func (s *Set) Image(i int) (*image.NRGBA, error) {
	if i < 0 || i >= s.n {
		return nil, fmt.Errorf("image %d: %w (set has %d)", i, ErrIndex, s.n)
	}
	per := Channels * s.h * s.w
	return ToImage(s.data[i*per:(i+1)*per], s.h, s.w)
}

// ToTensor converts same-size images into a float32 [N, 3, H, W] tensor.
func ToTensor(imgs []image.Image) (*tensor.Dense, error) {
	if len(imgs) == 0 {
		return nil, fmt.Errorf("images to tensor: %w: no images", ErrSize)
	}
	s, err := FromImages(imgs)
	if err != nil {
		return nil, err
	}
	return tensor.New(tensor.WithShape(s.n, Channels, s.h, s.w), tensor.WithBacking(s.data)), nil
}

// ToImages converts a float32 [N, 3, H, W] tensor into 8-bit images.
func ToImages(t tensor.Tensor) ([]*image.NRGBA, error) {
	d, ok := t.Data().([]float32)
	s := t.Shape()
	if !ok || s.Dims() != 4 || s[1] != Channels || len(d) != s.TotalSize() {
		return nil, fmt.Errorf("tensor to images: %w: got %v %v", ErrTensor, t.Dtype(), s)
	}
	per := Channels * s[2] * s[3]
	out := make([]*image.NRGBA, s[0])
	for i := range out {
		img, err := ToImage(d[i*per:(i+1)*per], s[2], s[3])
		if err != nil {
			return nil, err
		}
		out[i] = img
	}
	return out, nil
}

// Lazy is a set whose images are produced on demand by a loader (for
// example decoding PNG artifacts), so a large dataset need not fit in
// memory. It implements disc.Images.
type Lazy struct {
	n, h, w int
	load    func(i int) (image.Image, error)
}

// NewLazy returns a set of n images of h×w produced by load, which must be
// safe for concurrent use and return the same image for the same index.
func NewLazy(n, h, w int, load func(i int) (image.Image, error)) (*Lazy, error) {
	if n < 0 || h < 1 || w < 1 || load == nil {
		return nil, fmt.Errorf("new lazy set: %w: %d images of %dx%d", ErrSize, n, w, h)
	}
	return &Lazy{n: n, h: h, w: w, load: load}, nil
}

// Len returns the number of images.
func (l *Lazy) Len() int { return l.n }

// Size returns the images' height and width.
func (l *Lazy) Size() (height, width int) { return l.h, l.w }

// Load loads image i and converts it into dst.
func (l *Lazy) Load(i int, dst []float32) error {
	if i < 0 || i >= l.n {
		return fmt.Errorf("load image %d: %w (set has %d)", i, ErrIndex, l.n)
	}
	img, err := l.load(i)
	if err != nil {
		return fmt.Errorf("load image %d: %w", i, err)
	}
	if b := img.Bounds(); b.Dx() != l.w || b.Dy() != l.h {
		return fmt.Errorf("load image %d: %w: %dx%d, set is %dx%d", i, ErrSize, b.Dx(), b.Dy(), l.w, l.h)
	}
	return FromImage(img, dst)
}

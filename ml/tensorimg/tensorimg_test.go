package tensorimg

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"
)

// testImage is a 5×3 NRGBA image using every channel value pattern.
func testImage() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	for y := 0; y < 3; y++ {
		for x := 0; x < 5; x++ {
			i := y*5 + x
			img.SetNRGBA(x, y, color.NRGBA{uint8(17 * i), uint8(255 - 17*i), uint8(i * i), 255})
		}
	}
	return img
}

func TestRoundTripIsExact(t *testing.T) {
	src := testImage()
	dst := make([]float32, 3*15)
	if err := FromImage(src, dst); err != nil {
		t.Fatal(err)
	}
	if got := dst[15+1]; got != float32(255-17)/255 { // G plane, pixel (1,0)
		t.Fatalf("G(1,0) = %v, want %v", got, float32(255-17)/255)
	}
	back, err := ToImage(dst, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Pix, src.Pix) {
		t.Fatalf("round trip changed pixels:\n%v\n%v", back.Pix, src.Pix)
	}
	// Through PNG too.
	var buf bytes.Buffer
	if err := png.Encode(&buf, back); err != nil {
		t.Fatal(err)
	}
	dec, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	dst2 := make([]float32, len(dst))
	if err := FromImage(dec, dst2); err != nil {
		t.Fatal(err)
	}
	for i := range dst {
		if dst[i] != dst2[i] {
			t.Fatalf("value %d: %v before PNG, %v after", i, dst[i], dst2[i])
		}
	}
}

// Every image type gives the same values as the generic path.
func TestImageTypesAgree(t *testing.T) {
	src := testImage()
	want := make([]float32, 45)
	if err := FromImage(src, want); err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(src.Bounds())
	rgba64 := image.NewRGBA64(src.Bounds())
	offset := image.NewNRGBA(image.Rect(10, 20, 15, 23)) // non-zero origin
	for y := 0; y < 3; y++ {
		for x := 0; x < 5; x++ {
			rgba.Set(x, y, src.At(x, y))
			rgba64.Set(x, y, src.At(x, y))
			offset.Set(10+x, 20+y, src.At(x, y))
		}
	}
	cases := []struct {
		name string
		img  image.Image
	}{{"RGBA", rgba}, {"RGBA64 (generic path)", rgba64}, {"offset origin", offset}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := make([]float32, 45)
			if err := FromImage(c.img, got); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("value %d = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestToImageClamps(t *testing.T) {
	vals := []float32{-1, float32(math.NaN()), 0.5, 2, 1.0 / 255 / 2, 1}
	img, err := ToImage(vals, 1, 2) // planes R, G, B of 2 pixels
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{0, 128, 1, 255, 0, 255, 255, 255}
	if !bytes.Equal(img.Pix, want) {
		t.Fatalf("pixels %v, want %v", img.Pix, want)
	}
}

func TestSetAndErrors(t *testing.T) {
	a, b := testImage(), image.NewNRGBA(image.Rect(0, 0, 4, 3))
	if _, err := FromImages([]image.Image{a, b}); !errors.Is(err, ErrSize) {
		t.Fatalf("mixed sizes: %v, want ErrSize", err)
	}
	s, err := FromImages([]image.Image{a, a})
	if err != nil {
		t.Fatal(err)
	}
	if h, w := s.Size(); s.Len() != 2 || h != 3 || w != 5 {
		t.Fatalf("set is %d images of %dx%d", s.Len(), w, h)
	}
	if err := s.Load(2, make([]float32, 45)); !errors.Is(err, ErrIndex) {
		t.Fatalf("Load(2): %v, want ErrIndex", err)
	}
	if err := s.Load(0, make([]float32, 44)); !errors.Is(err, ErrSize) {
		t.Fatalf("Load into short buffer: %v, want ErrSize", err)
	}
	tt := s.Tensor()
	if got := tt.Shape(); got[0] != 2 || got[1] != 3 || got[2] != 3 || got[3] != 5 {
		t.Fatalf("tensor shape %v", got)
	}
	imgs, err := ToImages(tt)
	if err != nil || !bytes.Equal(imgs[1].Pix, a.Pix) {
		t.Fatalf("ToImages: %v", err)
	}
	tt.Data().([]float32)[0] = 7 // the tensor is a copy
	if im, _ := s.Image(0); im.Pix[0] != a.Pix[0] {
		t.Fatal("Tensor() aliases the set")
	}
	lazy, err := NewLazy(1, 3, 4, func(int) (image.Image, error) { return a, nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := lazy.Load(0, make([]float32, 36)); !errors.Is(err, ErrSize) {
		t.Fatalf("lazy image of the wrong size: %v, want ErrSize", err)
	}
}

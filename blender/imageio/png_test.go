package imageio

import (
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"sync"
	"testing"
)

// encodeCases are images of the kinds cgx writes (noisy and flat opaque
// colour, grey masks, odd sizes, a sub-image) and one with transparency.
func encodeCases() []image.Image {
	rng := rand.New(rand.NewPCG(1, 2))
	var imgs []image.Image
	for _, size := range []int{32, 64, 33, 128, 1} {
		rgba := image.NewNRGBA(image.Rect(0, 0, size, size))
		for i := range rgba.Pix {
			rgba.Pix[i] = uint8(rng.IntN(256))
			if i%4 == 3 {
				rgba.Pix[i] = 255
			}
		}
		flat := image.NewNRGBA(image.Rect(0, 0, size, size+3))
		for i := range flat.Pix {
			flat.Pix[i] = 255
		}
		mask := image.NewGray(image.Rect(0, 0, size, size))
		for i := range mask.Pix {
			mask.Pix[i] = uint8(i / (size * 7) % 4)
		}
		imgs = append(imgs, rgba, flat, mask)
	}
	big := image.NewGray(image.Rect(0, 0, 40, 40))
	for i := range big.Pix {
		big.Pix[i] = uint8(rng.IntN(256))
	}
	imgs = append(imgs, big.SubImage(image.Rect(5, 7, 30, 21)))
	rgba := image.NewRGBA(image.Rect(0, 0, 9, 9))
	for i := range rgba.Pix {
		rgba.Pix[i] = 255
	}
	imgs = append(imgs, rgba)
	clear := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	clear.Pix[3] = 10
	return append(imgs, clear)
}

// TestEncodePNGRoundTrip checks that every image decodes (with Go's
// decoder) to exactly its pixels.
func TestEncodePNGRoundTrip(t *testing.T) {
	for i, img := range encodeCases() {
		b, err := EncodePNG(img)
		if err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		back, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("image %d (%T %v): decode: %v", i, img, img.Bounds(), err)
		}
		bb := img.Bounds()
		if got := back.Bounds(); got.Dx() != bb.Dx() || got.Dy() != bb.Dy() {
			t.Fatalf("image %d: decoded %v, want the size of %v", i, got, bb)
		}
		for y := range bb.Dy() {
			for x := range bb.Dx() {
				r1, g1, b1, a1 := img.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
				r2, g2, b2, a2 := back.At(back.Bounds().Min.X+x, back.Bounds().Min.Y+y).RGBA()
				if [4]uint32{r1, g1, b1, a1} != [4]uint32{r2, g2, b2, a2} {
					t.Fatalf("image %d (%T): pixel (%d, %d) decoded as %v, want %v", i, img, x, y,
						[4]uint32{r2, g2, b2, a2}, [4]uint32{r1, g1, b1, a1})
				}
			}
		}
	}
}

// TestEncodePNGReuse checks that the pooled encoder state never leaks from
// one image into another: encoding in any order, from several goroutines,
// gives the bytes of a sequential first pass.
func TestEncodePNGReuse(t *testing.T) {
	imgs := encodeCases()
	want := make([][]byte, len(imgs))
	for i, img := range imgs {
		b, err := EncodePNG(img)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = b
	}
	check := func(i int) {
		got, err := EncodePNG(imgs[i])
		if err != nil {
			t.Error(err)
			return
		}
		if !bytes.Equal(got, want[i]) {
			t.Errorf("image %d (%T %v): reused encoder wrote %d bytes that differ from the first pass's %d", i, imgs[i], imgs[i].Bounds(), len(got), len(want[i]))
		}
	}
	for i := len(imgs) - 1; i >= 0; i-- {
		check(i)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3 * len(imgs) {
				check((k + w) % len(imgs))
			}
		}()
	}
	wg.Wait()
}

// TestEncodePNGFastPath checks which images take the fast encoder: opaque
// colour and grey do, transparency does not (its alpha survives).
func TestEncodePNGFastPath(t *testing.T) {
	for _, c := range []struct {
		name string
		img  image.Image
		fast bool
	}{
		{"opaque NRGBA", func() image.Image {
			m := image.NewNRGBA(image.Rect(0, 0, 4, 4))
			for i := range m.Pix {
				m.Pix[i] = 255
			}
			return m
		}(), true},
		{"grey", image.NewGray(image.Rect(0, 0, 4, 4)), true},
		{"transparent NRGBA", image.NewNRGBA(image.Rect(0, 0, 4, 4)), false},
		{"grey16", image.NewGray16(image.Rect(0, 0, 4, 4)), false},
	} {
		if got := fastPNG(c.img); got != c.fast {
			t.Errorf("%s: fastPNG %v, want %v", c.name, got, c.fast)
		}
	}
}

// TestPaethRow compares the row filter with the PNG specification's Paeth
// predictor for every (left, up, up-left) triple.
func TestPaethRow(t *testing.T) {
	out, cur, a, b, c := make([]byte, 256), make([]byte, 256), make([]byte, 256), make([]byte, 256), make([]byte, 256)
	for av := range 256 {
		for bv := range 256 {
			for cv := range 256 {
				a[cv], b[cv], c[cv], cur[cv] = byte(av), byte(bv), byte(cv), byte(av*7+bv*3+cv)
			}
			paethRow(out, cur, a, b, c)
			for cv := range 256 {
				if want := cur[cv] - paeth(byte(av), byte(bv), byte(cv)); out[cv] != want {
					t.Fatalf("a=%d b=%d c=%d: filtered %d, want %d", av, bv, cv, out[cv], want)
				}
			}
		}
	}
}

// paeth is the PNG specification's Paeth predictor of a (left), b (up) and c (up-left).
func paeth(a, b, c uint8) uint8 {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := absInt(p-int(a)), absInt(p-int(b)), absInt(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

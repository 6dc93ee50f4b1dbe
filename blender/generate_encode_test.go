package blender

import (
	"bytes"
	"image"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestPooledEncoderMatchesEncodePNG checks that reusing the encoder's
// buffers changes no byte: image digests are SHA-256 of these bytes. Images
// of several sizes and kinds go through the pool in turn and concurrently,
// so every buffer is reused for a different shape.
func TestPooledEncoderMatchesEncodePNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var imgs []image.Image
	for _, size := range []int{32, 64, 33, 128, 64} {
		rgba := image.NewNRGBA(image.Rect(0, 0, size, size))
		for i := range rgba.Pix {
			rgba.Pix[i] = uint8(rng.IntN(256))
			if i%4 == 3 {
				rgba.Pix[i] = 255
			}
		}
		flat := image.NewNRGBA(image.Rect(0, 0, size, size))
		for i := range flat.Pix {
			flat.Pix[i] = 255
		}
		mask := image.NewGray(image.Rect(0, 0, size, size))
		for i := range mask.Pix {
			mask.Pix[i] = uint8(i / (size * 7) % 4)
		}
		imgs = append(imgs, rgba, flat, mask)
	}
	want := make([][]byte, len(imgs))
	for i, img := range imgs {
		b, err := EncodePNG(img)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = b
	}
	check := func(i int) {
		got, err := encodePooled(imgs[i])
		if err != nil {
			t.Error(err)
			return
		}
		if !bytes.Equal(got, want[i]) {
			t.Errorf("image %d (%T %v): pooled encoder wrote %d bytes that differ from EncodePNG's %d", i, imgs[i], imgs[i].Bounds(), len(got), len(want[i]))
		}
	}
	for range 3 {
		for i := range imgs {
			check(i)
		}
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

package blender_test

import (
	"context"
	"testing"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/blender/rendertest"
	"github.com/cgx-dev/cgx/blender/scene"
)

func TestEmbeddedConformance(t *testing.T) {
	for _, ss := range []int{1, 2, 3} {
		r := &blender.Embedded{Supersample: ss}
		t.Run(map[int]string{1: "no-aa", 2: "2x2", 3: "3x3"}[ss], func(t *testing.T) {
			rendertest.Run(t, r, rendertest.Options{Size: 64, Deterministic: true, ColorTolerance: 1, CentreTolerance: 2})
		})
	}
}

// TestEmbeddedMaskAgreesWithColour checks the exact agreement: with flat
// ambient light and one colour per object, every pixel whose samples all
// hit one object has exactly that object's colour; without anti-aliasing
// that is every pixel.
func TestEmbeddedMaskAgreesWithColour(t *testing.T) {
	s, err := scene.Example("shelf", 96)
	if err != nil {
		t.Fatal(err)
	}
	s.Lights = nil
	s.Ambient.Intensity = 1
	s.Shelf.Color = scene.RGB(128, 128, 128)
	palette := map[uint8][3]uint8{0: {128, 128, 128}}
	for i := range s.Objects {
		c := scene.RGB(uint8(40*i+20), uint8(200-30*i), uint8(17*i))
		s.Objects[i].Body, s.Objects[i].Cap, s.Objects[i].Label = c, c, c
		palette[uint8(i+1)] = [3]uint8{c.R, c.G, c.B}
	}
	s.Background = scene.RGB(128, 128, 128)
	for _, ss := range []int{1, 2, 4} {
		f, err := (&blender.Embedded{Supersample: ss}).Render(context.Background(), []scene.Scene{s})
		if err != nil {
			t.Fatal(err)
		}
		fr := f[0]
		w, h := s.Camera.Width, s.Camera.Height
		checked := 0
		for y := range h {
			for x := range w {
				id := fr.Mask.Pix[y*w+x]
				if ss > 1 && !rendertest.Uniform(fr.Mask, x, y) {
					continue
				}
				o := fr.RGB.PixOffset(x, y)
				got := [3]uint8{fr.RGB.Pix[o], fr.RGB.Pix[o+1], fr.RGB.Pix[o+2]}
				if got != palette[id] {
					t.Fatalf("supersample %d: pixel (%d, %d) has id %d but colour %v, want %v", ss, x, y, id, got, palette[id])
				}
				checked++
			}
		}
		if checked < w*h/2 {
			t.Errorf("supersample %d: only %d pixels checked", ss, checked)
		}
	}
}

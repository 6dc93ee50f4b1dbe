package datasets

import (
	"context"
	"testing"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/blender/style"
)

// BenchmarkApply64 styles one 64 px render per iteration in each default
// domain (style.Domain.Apply: the step that was 78% of dataset generation's CPU).
func BenchmarkApply64(b *testing.B) {
	spec := Spec{Generator: "exp2-shelf", Count: 1, Size: 64, Seed: 1}
	s, err := scene.Generate(spec.Generator, spec.Seed, 0, spec.Size)
	if err != nil {
		b.Fatal(err)
	}
	frames, err := (&blender.Embedded{Workers: 1}).Render(context.Background(), []scene.Scene{s})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"identity", "cg", "real", "cg-varied"} {
		dom, err := style.DomainByName(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := dom.Apply(frames[0].RGB, uint64(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodePNG64 encodes a styled 64 px image and its mask.
func BenchmarkEncodePNG64(b *testing.B) {
	s, err := scene.Generate("exp2-shelf", 1, 0, 64)
	if err != nil {
		b.Fatal(err)
	}
	frames, err := (&blender.Embedded{Workers: 1}).Render(context.Background(), []scene.Scene{s})
	if err != nil {
		b.Fatal(err)
	}
	img, err := style.RealDomain().Apply(frames[0].RGB, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("image", func(b *testing.B) {
		var n int
		for b.Loop() {
			out, err := imageio.EncodePNG(img)
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.ReportMetric(float64(n), "bytes")
	})
	b.Run("mask", func(b *testing.B) {
		for b.Loop() {
			if _, err := imageio.EncodePNG(frames[0].Mask); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package blender_test

import (
	"testing"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/blender/rendertest"
)

func TestEmbeddedConformance(t *testing.T) {
	for _, ss := range []int{1, 2, 3} {
		r := &blender.Embedded{Supersample: ss}
		t.Run(map[int]string{1: "no-aa", 2: "2x2", 3: "3x3"}[ss], func(t *testing.T) {
			rendertest.Run(t, r, rendertest.Options{Size: 64, Deterministic: true, ColorTolerance: 1, CentreTolerance: 2})
		})
	}
}

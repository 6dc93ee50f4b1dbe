package blender

import (
	"context"
	"image"

	"github.com/cgx-dev/cgx/blender/scene"
)

// Renderer turns scenes into frames.
//
// Render validates every scene first (an invalid one fails the whole call
// with an error naming its index and wrapping ErrInvalidScene), then returns
// exactly one Frame per scene, in order. Each frame's RGB and Mask have the
// scene camera's resolution. Mask values are object ids: 0 for background
// and shelf, i+1 for scene.Objects[i]; a pixel's id is the object hit by
// the ray through the pixel centre (i+0.5, j+0.5), and its colour is that
// object's shading wherever the whole pixel is covered by it. A cancelled ctx stops the work and returns an error wrapping
// ctx.Err(). Implementations are safe for concurrent use.
type Renderer interface {
	Render(ctx context.Context, scenes []scene.Scene) ([]Frame, error)
	// Name is the backend name used by the CLI: "embedded" or "blender".
	Name() string
}

// Frame is one rendered image: opaque sRGB colour and the instance mask.
type Frame struct {
	RGB  *image.NRGBA
	Mask *image.Gray
}

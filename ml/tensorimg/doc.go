// Package tensorimg converts between images and the float32 tensors the ml
// packages compute on.
//
// Vocabulary:
//   - plane layout (CHW): one image as 3·H·W float32 values, the R plane,
//     then G, then B, each row-major from the top-left pixel; a batch stacks
//     images into NCHW ([N, 3, H, W]).
//   - value: a channel intensity in [0, 1]; 8-bit c maps to c/255 exactly
//     as 16-bit c maps to c/65535 (the same float32 either way).
//
// A Set holds images in memory and implements the discriminator's Images
// interface (Len, Size, Load); Lazy wraps a loader so large datasets are read
// image by image. ToImage and ToImages turn values back into 8-bit NRGBA
// images, clamping to [0, 1] and rounding to nearest, so a PNG round trip of
// an 8-bit image is exact.
//
// Caveats: images with transparency are read composited over black (Go's
// premultiplied RGBA), alpha is dropped; conversion never resizes, so every
// image of a set must have the same size.
package tensorimg

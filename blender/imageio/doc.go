// Package imageio turns cgx's images into bytes and back: EncodePNG and
// WritePNG write the PNGs whose SHA-256 names every stored image and mask,
// NRGBA brings any decoded image to the opaque NRGBA form the renderers,
// style domains and datasets work on, and Mask reads an instance-id map.
//
// # Contracts
//
//   - EncodePNG's bytes depend only on the pixels and the Go release
//     (compress/flate is stable within a release): opaque RGB and grey
//     images go through a fixed encoder (every row Paeth-filtered, deflated
//     at BestSpeed), others through image/png. A change that moves these
//     bytes moves every image digest, so it bumps datasets.GeneratorVersion.
//   - The Paeth filter runs eight bytes at a time on amd64 (SSE2, which
//     every amd64 CPU has); CGX_SIMD=off turns that off, and the bytes are
//     the same either way.
//   - Mask accepts grey (8 or 16 bit) and paletted images; an id above 255
//     is an error naming the pixel.
package imageio

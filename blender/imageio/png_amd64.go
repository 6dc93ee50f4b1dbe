package imageio

import "os"

// pngSIMD reports whether PNG rows are Paeth-filtered eight bytes at a time
// (png_amd64.s; SSE2, which every amd64 CPU has). CGX_SIMD=off turns it
// off; the bytes are the same either way.
var pngSIMD = os.Getenv("CGX_SIMD") != "off"

//go:noescape
func paethSSE(out, cur, a, b, c *byte, n int)

// paethVec filters the first len(out)&^7 bytes as paethRow does and
// returns how many.
func paethVec(out, cur, a, b, c []byte) int {
	n := len(out) &^ 7
	if !pngSIMD || n == 0 || len(cur) < n || len(a) < n || len(b) < n || len(c) < n {
		return 0
	}
	paethSSE(&out[0], &cur[0], &a[0], &b[0], &c[0], n)
	return n
}

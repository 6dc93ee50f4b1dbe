package style

import "os"

// blurSIMD reports whether blur runs its 7-tap loops four pixels at a
// time (blur_amd64.s; SSE, which every amd64 CPU has). CGX_SIMD=off, the
// switch ml/nn reads too, turns it off; the values are the same bits
// either way.
var blurSIMD = os.Getenv("CGX_SIMD") != "off"

//go:noescape
func blurCols7SSE(out []float32, rows *float32, stride int, k *[7]float32)

//go:noescape
func blurRow7SSE(out []float32, row *float32, k *[7]float32)

// blurCols7Vec runs blurCols7SSE over the first len(out)&^3 pixels and
// returns how many it did.
func blurCols7Vec(out, rows []float32, k *[7]float32) int {
	w := len(out)
	n := w &^ 3
	if !blurSIMD || n == 0 || len(rows) < 7*w {
		return 0
	}
	blurCols7SSE(out[:n], &rows[0], w, k)
	return n
}

// blurRow7Vec sets out[x] for x in [3, 3+n), n = (len(row)-6)&^3, with
// blurRow7SSE, and returns n.
func blurRow7Vec(out, row []float32, k *[7]float32) int {
	n := (len(row) - 6) &^ 3
	if !blurSIMD || n <= 0 || len(out) < 3+n {
		return 0
	}
	blurRow7SSE(out[3:3+n], &row[0], k)
	return n
}

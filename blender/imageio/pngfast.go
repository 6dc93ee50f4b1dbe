package imageio

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"image"
	"sync"
)

// PNG encoding of generated images: 8-bit RGB (opaque NRGBA) or 8-bit grey,
// every row Paeth-filtered, deflated with fixed settings (pngDeflateLevel).
// The bytes depend only on the pixels and the Go release's compress/flate
// (stable within a release, like image/png's), never on the machine. It is
// several times cheaper than image/png's encoder, which tries five filters
// per row and searches for matches that noisy renders rarely contain, and
// its files are about as small.

// pngDeflateLevel is the compress/flate level of every PNG cgx writes.
const pngDeflateLevel = flate.BestSpeed

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// fastEncoder holds the reusable state of one encode.
type fastEncoder struct {
	raw  []byte // filtered scanlines
	prev []byte
	cur  []byte
	z    bytes.Buffer
	fw   *flate.Writer
}

var fastEncoders = sync.Pool{New: func() any { return &fastEncoder{} }}

// encodeFast returns the PNG bytes of img: an opaque *image.NRGBA (alpha
// ignored, written as RGB) or an *image.Gray. Other types are converted to
// NRGBA first.
func encodeFast(img image.Image) ([]byte, error) {
	e := fastEncoders.Get().(*fastEncoder)
	defer fastEncoders.Put(e)
	var w, h, bpp int
	var colorType byte
	switch m := img.(type) {
	case *image.Gray:
		w, h, bpp, colorType = m.Rect.Dx(), m.Rect.Dy(), 1, 0
		e.filter(w, h, bpp, func(y int, dst []byte) {
			o := m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y+y)
			copy(dst, m.Pix[o:o+w])
		})
	default:
		n := NRGBA(img)
		w, h, bpp, colorType = n.Rect.Dx(), n.Rect.Dy(), 3, 2
		e.filter(w, h, bpp, func(y int, dst []byte) {
			row := n.Pix[y*n.Stride : y*n.Stride+4*w]
			for x := range w {
				dst[3*x], dst[3*x+1], dst[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
			}
		})
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("encode png: empty %dx%d image", w, h)
	}
	// zlib stream: header (deflate, 32K window, no dictionary, level
	// "fastest"), raw deflate, Adler-32 of the uncompressed bytes.
	e.z.Reset()
	e.z.Write([]byte{0x78, 0x01})
	if e.fw == nil {
		var err error
		if e.fw, err = flate.NewWriter(&e.z, pngDeflateLevel); err != nil {
			return nil, fmt.Errorf("encode png: %w", err)
		}
	} else {
		e.fw.Reset(&e.z)
	}
	if _, err := e.fw.Write(e.raw); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	if err := e.fw.Close(); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	e.z.Write(binary.BigEndian.AppendUint32(nil, adler32.Checksum(e.raw)))
	out := make([]byte, 0, len(pngSignature)+3*12+13+e.z.Len())
	out = append(out, pngSignature...)
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, colorType // bit depth 8; compression, filter, interlace 0
	out = appendChunk(out, "IHDR", ihdr[:])
	out = appendChunk(out, "IDAT", e.z.Bytes())
	out = appendChunk(out, "IEND", nil)
	return out, nil
}

// filter fills e.raw with h Paeth-filtered scanlines of w·bpp bytes; row
// writes scanline y's unfiltered bytes into its argument.
func (e *fastEncoder) filter(w, h, bpp int, row func(y int, dst []byte)) {
	n := w * bpp
	e.raw = e.raw[:0]
	e.prev = resize(e.prev, n)
	e.cur = resize(e.cur, n)
	clear(e.prev)
	for y := range h {
		cur, prev := e.cur, e.prev
		row(y, cur)
		e.raw = append(e.raw, 4) // Paeth
		start := len(e.raw)
		e.raw = append(e.raw, cur...)
		out := e.raw[start : start+n]
		for i := range bpp {
			out[i] = cur[i] - prev[i] // a = c = 0: Paeth predicts b
		}
		paethRow(out[bpp:], cur[bpp:], cur, prev[bpp:], prev)
		e.prev, e.cur = cur, prev
	}
}

// paethRow sets out[i] = cur[i] - paeth(a[i], b[i], c[i]) (left, up,
// up-left), branch-light as Go's image/png writes it; on amd64 eight
// bytes at a time (paethVec).
func paethRow(out, cur, a, b, c []byte) {
	n := len(out)
	cur, a, b, c = cur[:n], a[:n], b[:n], c[:n]
	for i := paethVec(out, cur, a, b, c); i < n; i++ {
		ai, bi, ci := int(a[i]), int(b[i]), int(c[i])
		pa := bi - ci
		pb := ai - ci
		pc := absInt(pa + pb)
		pa, pb = absInt(pa), absInt(pb)
		pred := ci
		if pa <= pb && pa <= pc {
			pred = ai
		} else if pb <= pc {
			pred = bi
		}
		out[i] = cur[i] - byte(pred)
	}
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func resize(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// appendChunk appends a PNG chunk: length, type, data, CRC-32 of type and
// data.
func appendChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}

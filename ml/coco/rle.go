package coco

import (
	"fmt"
	"math"
)

// MaxPixels bounds height*width of any mask this package builds or decodes,
// so that a hostile file cannot make it allocate without limit. COCO images
// are far smaller.
const MaxPixels = 1 << 30

// Mask is a binary image of H rows and W columns; Pix[y*W+x] is the pixel in
// row y, column x.
type Mask struct {
	H, W int
	Pix  []bool
}

// sizeOK reports whether h x w is a non-negative size of at most MaxPixels
// pixels, without overflowing.
func sizeOK(h, w int) bool {
	return h >= 0 && w >= 0 && (w == 0 || h <= MaxPixels/w)
}

// NewMask returns an all-false mask of the given size.
func NewMask(h, w int) Mask {
	if !sizeOK(h, w) {
		h, w = 0, 0
	}
	return Mask{H: h, W: w, Pix: make([]bool, h*w)}
}

// Validate reports whether the pixel slice matches the size.
func (m Mask) Validate() error {
	if !sizeOK(m.H, m.W) || len(m.Pix) != m.H*m.W {
		return fmt.Errorf("%w: size %dx%d with %d pixels", ErrBadMask, m.H, m.W, len(m.Pix))
	}
	return nil
}

// Area returns the number of set pixels.
func (m Mask) Area() int {
	n := 0
	for _, p := range m.Pix {
		if p {
			n++
		}
	}
	return n
}

// RLE is a mask of H rows and W columns in COCO run-length encoding: Counts
// are run lengths over the pixels in column-major order, alternating 0s and
// 1s, starting with 0s (Counts[0] is 0 when the first pixel is set).
//
// An RLE built by this package (Encode, DecodeCounts, FromPolygons, ...)
// always satisfies Validate; one assembled by hand may not, and the
// operations below then follow maskApi.c as far as it stays memory-safe.
type RLE struct {
	H, W   int
	Counts []uint32
}

// Validate checks that the size is sane and the counts add up to H*W.
func (r RLE) Validate() error {
	if !sizeOK(r.H, r.W) {
		return fmt.Errorf("%w: size %dx%d out of range", ErrBadRLE, r.H, r.W)
	}
	var sum uint64
	for _, c := range r.Counts {
		sum += uint64(c)
	}
	if sum != uint64(r.H)*uint64(r.W) {
		return fmt.Errorf("%w: counts add up to %d, size %dx%d has %d pixels", ErrBadRLE, sum, r.H, r.W, r.H*r.W)
	}
	return nil
}

// Clone returns a copy that shares no memory with r.
func (r RLE) Clone() RLE {
	return RLE{H: r.H, W: r.W, Counts: append([]uint32(nil), r.Counts...)}
}

// Encode returns the RLE of m, as maskApi.c's rleEncode does for a
// column-major mask.
func Encode(m Mask) (RLE, error) {
	if err := m.Validate(); err != nil {
		return RLE{}, fmt.Errorf("encode mask: %w", err)
	}
	counts := make([]uint32, 0, 8)
	prev, run := false, uint32(0)
	for x := 0; x < m.W; x++ {
		for y := 0; y < m.H; y++ {
			if v := m.Pix[y*m.W+x]; v != prev {
				counts = append(counts, run)
				run, prev = 0, v
			}
			run++
		}
	}
	counts = append(counts, run)
	return RLE{H: m.H, W: m.W, Counts: counts}, nil
}

// Decode returns the mask r describes. Runs past H*W pixels are dropped; a
// short RLE leaves the remaining pixels unset.
func (r RLE) Decode() Mask {
	h, w := r.H, r.W
	if !sizeOK(h, w) {
		h, w = 0, 0
	}
	m := NewMask(h, w)
	n, v := 0, false
	for _, c := range r.Counts {
		for k := uint32(0); k < c && n < h*w; k++ {
			if v {
				// pixel n in column-major order is row n%h, column n/h
				m.Pix[(n%h)*w+n/h] = true
			}
			n++
		}
		v = !v
	}
	return m
}

// Area returns the number of set pixels: the sum of the odd-indexed counts
// (rleArea).
func (r RLE) Area() int {
	var a uint32
	for j := 1; j < len(r.Counts); j += 2 {
		a += r.Counts[j]
	}
	return int(a)
}

// Bbox returns the bounding box [x, y, width, height] of the set pixels, or
// all zeros for an empty mask, computed as maskApi.c's rleToBbox (unsigned
// 32-bit arithmetic, trailing run of 0s ignored, a run of 1s that wraps into
// the next column widening the box to the full height).
func (r RLE) Bbox() [4]float64 {
	h, w := uint32(r.H), uint32(r.W)
	m := len(r.Counts) / 2 * 2
	if m == 0 || h == 0 {
		return [4]float64{}
	}
	xs, ys := w, h
	var xe, ye, xp, cc uint32
	for j := 0; j < m; j++ {
		cc += r.Counts[j]
		t := cc - uint32(j%2)
		y := t % h
		x := (t - y) / h
		if j%2 == 0 {
			xp = x
		} else if xp < x {
			ys, ye = 0, h-1
		}
		xs, xe = min(xs, x), max(xe, x)
		ys, ye = min(ys, y), max(ye, y)
	}
	return [4]float64{float64(xs), float64(ys), float64(xe - xs + 1), float64(ye - ys + 1)}
}

// Merge returns the union (or, with intersect, the intersection) of rs, as
// maskApi.c's rleMerge: the result of no masks is an empty 0x0 RLE, and masks
// of different sizes give an empty 0x0 RLE too.
func Merge(rs []RLE, intersect bool) RLE {
	if len(rs) == 0 {
		return RLE{}
	}
	if len(rs) == 1 {
		return rs[0].Clone()
	}
	h, w := rs[0].H, rs[0].W
	cur := append([]uint32(nil), rs[0].Counts...)
	for _, b := range rs[1:] {
		if b.H != h || b.W != w {
			return RLE{}
		}
		if len(cur) == 0 || len(b.Counts) == 0 {
			// maskApi.c reads the first count unconditionally; an RLE
			// without counts only arises for a 0-pixel mask.
			cur = nil
			continue
		}
		cur = mergeTwo(cur, b.Counts, intersect)
	}
	return RLE{H: h, W: w, Counts: cur}
}

// mergeTwo walks two run lists in step and emits a run boundary wherever the
// combined value changes, exactly as rleMerge's inner loop.
func mergeTwo(a, b []uint32, intersect bool) []uint32 {
	out := make([]uint32, 0, len(a)+len(b))
	ca, cb := a[0], b[0]
	var v, va, vb bool
	ia, ib := 1, 1
	var cc uint32
	for ct := uint32(1); ct > 0; {
		c := min(ca, cb)
		cc += c
		ct = 0
		ca -= c
		if ca == 0 && ia < len(a) {
			ca = a[ia]
			ia++
			va = !va
		}
		ct += ca
		cb -= c
		if cb == 0 && ib < len(b) {
			cb = b[ib]
			ib++
			vb = !vb
		}
		ct += cb
		vp := v
		if intersect {
			v = va && vb
		} else {
			v = va || vb
		}
		if v != vp || ct == 0 {
			out = append(out, cc)
			cc = 0
		}
	}
	return out
}

// IoU returns the intersection over union of every detection with every
// ground truth region, ious[d][g], as maskApi.c's rleIou: pairs whose
// bounding boxes do not overlap get 0 without looking at the runs; pairs of
// different sizes whose boxes overlap get -1; when iscrowd[g] is set the
// union is the detection's own area. iscrowd may be nil (no crowds). With no
// detections or no ground truth the result is empty, as in pycocotools.
func IoU(dt, gt []RLE, iscrowd []bool) [][]float64 {
	if len(dt) == 0 || len(gt) == 0 {
		return nil
	}
	db := make([][4]float64, len(dt))
	for i, r := range dt {
		db[i] = r.Bbox()
	}
	gb := make([][4]float64, len(gt))
	for i, r := range gt {
		gb[i] = r.Bbox()
	}
	out := make([][]float64, len(dt))
	for d := range dt {
		out[d] = make([]float64, len(gt))
		for g := range gt {
			crowd := g < len(iscrowd) && iscrowd[g]
			o := boxIoU(db[d], gb[g], crowd)
			if o > 0 {
				o = runIoU(dt[d], gt[g], crowd)
			}
			out[d][g] = o
		}
	}
	return out
}

// boxIoU is maskApi.c's bbIou for one pair.
func boxIoU(d, g [4]float64, crowd bool) float64 {
	w := math.Min(d[2]+d[0], g[2]+g[0]) - math.Max(d[0], g[0])
	if w <= 0 {
		return 0
	}
	h := math.Min(d[3]+d[1], g[3]+g[1]) - math.Max(d[1], g[1])
	if h <= 0 {
		return 0
	}
	i := float64(w * h)
	da, ga := float64(d[2]*d[3]), float64(g[2]*g[3])
	u := da + ga - i
	if crowd {
		u = da
	}
	return i / u
}

// runIoU is the run-walking part of rleIou for one pair whose boxes overlap.
func runIoU(d, g RLE, crowd bool) float64 {
	if d.H != g.H || d.W != g.W {
		return -1
	}
	if len(d.Counts) == 0 || len(g.Counts) == 0 {
		return 0 // cannot happen for boxes that overlap; keeps hand-built RLEs safe
	}
	var i, u uint32
	ca, cb := d.Counts[0], g.Counts[0]
	var va, vb bool
	ia, ib := 1, 1
	for ct := uint32(1); ct > 0; {
		c := min(ca, cb)
		if va || vb {
			u += c
			if va && vb {
				i += c
			}
		}
		ct = 0
		ca -= c
		if ca == 0 && ia < len(d.Counts) {
			ca = d.Counts[ia]
			ia++
			va = !va
		}
		ct += ca
		cb -= c
		if cb == 0 && ib < len(g.Counts) {
			cb = g.Counts[ib]
			ib++
			vb = !vb
		}
		ct += cb
	}
	if i == 0 {
		u = 1
	} else if crowd {
		u = uint32(d.Area())
	}
	return float64(i) / float64(u)
}

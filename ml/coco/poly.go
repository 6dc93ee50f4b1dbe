package coco

import (
	"fmt"
	"math"
	"slices"
)

const (
	// polyScale is maskApi.c's upsampling factor for polygon boundaries.
	polyScale = 5.0
	// maxPolyCoord bounds polygon coordinates: beyond it the C code's int
	// arithmetic would overflow, and no image is that large.
	maxPolyCoord = 1 << 24
	// maxPolyPoints bounds the upsampled boundary points of one polygon so a
	// hostile file cannot make the rasteriser allocate without limit.
	maxPolyPoints = 1 << 25
)

// FromPolygons rasterises a COCO polygon segmentation (a list of polygons,
// each x1,y1,x2,y2,...) for an image of h rows and w columns and merges the
// parts into one mask, as pycocotools' annToRLE does with frPyObjects and
// merge. As in frPyObjects, a list whose first polygon has exactly four
// numbers is read as a list of boxes [x, y, width, height].
func FromPolygons(polys [][]float64, h, w int) (RLE, error) {
	if len(polys) == 0 {
		return RLE{}, fmt.Errorf("%w: empty polygon list", ErrBadPolygon)
	}
	if h <= 0 || w <= 0 || !sizeOK(h, w) || h > math.MaxInt32/w {
		return RLE{}, fmt.Errorf("%w: image size %dx%d out of range", ErrBadPolygon, h, w)
	}
	parts := make([]RLE, len(polys))
	boxes := len(polys[0]) == 4
	for i, p := range polys {
		var err error
		if boxes {
			if len(p) != 4 {
				return RLE{}, fmt.Errorf("%w: first polygon has 4 numbers so the list is read as boxes, but entry %d has %d", ErrBadPolygon, i, len(p))
			}
			parts[i], err = FromBox(p[0], p[1], p[2], p[3], h, w)
		} else {
			parts[i], err = FromPolygon(p, h, w)
		}
		if err != nil {
			return RLE{}, fmt.Errorf("polygon %d: %w", i, err)
		}
	}
	return Merge(parts, false), nil
}

// FromBox rasterises the box [x, y, width, height] as maskApi.c's rleFrBbox
// (a four-corner polygon).
func FromBox(x, y, bw, bh float64, h, w int) (RLE, error) {
	xe, ye := x+bw, y+bh
	return FromPolygon([]float64{x, y, x, ye, xe, ye, xe, y}, h, w)
}

// FromPolygon rasterises one polygon x1,y1,x2,y2,... for an image of h rows
// and w columns, following maskApi.c's rleFrPoly: the boundary is upsampled
// 5x and walked densely, its crossings of pixel-column centres become run
// boundaries. A trailing odd coordinate is ignored, as int(len(p)/2) does.
func FromPolygon(xy []float64, h, w int) (RLE, error) {
	k := len(xy) / 2
	if k == 0 {
		return RLE{}, fmt.Errorf("%w: fewer than two coordinates", ErrBadPolygon)
	}
	if h <= 0 || w <= 0 || !sizeOK(h, w) || h > math.MaxInt32/w {
		return RLE{}, fmt.Errorf("%w: image size %dx%d out of range", ErrBadPolygon, h, w)
	}
	for _, v := range xy[:2*k] {
		if math.IsNaN(v) || math.Abs(v) > maxPolyCoord {
			return RLE{}, fmt.Errorf("%w: coordinate %v is not finite or beyond ±%d", ErrBadPolygon, v, maxPolyCoord)
		}
	}
	// Scaled integer vertices, closed. The explicit float64 conversion keeps
	// the multiply and add separately rounded, as the C code computes them.
	x := make([]int, k+1)
	y := make([]int, k+1)
	for j := 0; j < k; j++ {
		x[j] = int(float64(polyScale*xy[2*j]) + .5)
		y[j] = int(float64(polyScale*xy[2*j+1]) + .5)
	}
	x[k], y[k] = x[0], y[0]
	total := 0
	for j := 0; j < k; j++ {
		total += max(abs(x[j]-x[j+1]), abs(y[j]-y[j+1])) + 1
		if total > maxPolyPoints {
			return RLE{}, fmt.Errorf("%w: boundary longer than %d upsampled points", ErrBadPolygon, maxPolyPoints)
		}
	}
	u, v := densePoints(x, y, total)

	// Crossings of the boundary with pixel-column centres, downsampled.
	bx := make([]int, 0, len(u)/int(polyScale)+1)
	by := make([]int, 0, cap(bx))
	for j := 1; j < len(u); j++ {
		if u[j] == u[j-1] {
			continue
		}
		xd := float64(u[j])
		if u[j] >= u[j-1] {
			xd = float64(u[j] - 1)
		}
		xd = (xd+.5)/polyScale - .5
		if math.Floor(xd) != xd || xd < 0 || xd > float64(w-1) {
			continue
		}
		yd := float64(v[j-1])
		if v[j] < v[j-1] {
			yd = float64(v[j])
		}
		yd = (yd+.5)/polyScale - .5
		if yd < 0 {
			yd = 0
		} else if yd > float64(h) {
			yd = float64(h)
		}
		yd = math.Ceil(yd)
		bx = append(bx, int(xd))
		by = append(by, int(yd))
	}

	// Sorted boundary positions in column-major order become run lengths;
	// two boundaries at one position cancel (the next run is folded into
	// the previous one), exactly as the C code does it.
	a := make([]uint32, 0, len(bx)+1)
	for j := range bx {
		a = append(a, uint32(bx[j]*h+by[j]))
	}
	a = append(a, uint32(h*w))
	slices.Sort(a)
	var prev uint32
	for j := range a {
		t := a[j]
		a[j] -= prev
		prev = t
	}
	b := make([]uint32, 0, len(a))
	b = append(b, a[0])
	for j := 1; j < len(a); {
		if a[j] > 0 {
			b = append(b, a[j])
			j++
			continue
		}
		j++
		if j < len(a) {
			b[len(b)-1] += a[j]
			j++
		}
	}
	return RLE{H: h, W: w, Counts: b}, nil
}

// densePoints walks every edge of the closed integer polygon (x, y) one unit
// along its major axis, as rleFrPoly's first loop, returning total points.
func densePoints(x, y []int, total int) (u, v []int) {
	u = make([]int, 0, total)
	v = make([]int, 0, total)
	for j := 0; j+1 < len(x); j++ {
		xs, xe, ys, ye := x[j], x[j+1], y[j], y[j+1]
		dx, dy := abs(xe-xs), abs(ys-ye)
		flip := (dx >= dy && xs > xe) || (dx < dy && ys > ye)
		if flip {
			xs, xe = xe, xs
			ys, ye = ye, ys
		}
		if dx >= dy {
			// dx == 0 (a repeated vertex) gives s = NaN in the C code; the
			// point's v is then never read because its u equals its
			// neighbours'. Any value does; 0 keeps it defined.
			s := 0.0
			if dx > 0 {
				s = float64(ye-ys) / float64(dx)
			}
			for d := 0; d <= dx; d++ {
				t := d
				if flip {
					t = dx - d
				}
				u = append(u, t+xs)
				v = append(v, int(float64(ys)+float64(s*float64(t))+.5))
			}
		} else {
			s := float64(xe-xs) / float64(dy)
			for d := 0; d <= dy; d++ {
				t := d
				if flip {
					t = dy - d
				}
				v = append(v, t+ys)
				u = append(u, int(float64(xs)+float64(s*float64(t))+.5))
			}
		}
	}
	return u, v
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

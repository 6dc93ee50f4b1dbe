package blender

import (
	"math"

	"github.com/cgx-dev/cgx/blender/scene"
)

// Fixed-point sub-sample precision of projected vertices: edge functions are
// exact integers, so triangles sharing an edge never leave cracks or
// overlap.
const (
	subBits = 8
	subOne  = 1 << subBits
)

// raster is one worker's frame buffers and its per-mesh scratch space. It
// is reused across scenes and never shared.
//
// Colour is rasterised at the ss×ss sample grid; the mask is rasterised
// separately at the pixel centres (the same rule as Cycles' mask pass: the
// object hit by the ray through the pixel centre). With ss == 1 the two
// grids coincide and the centre buffers are unused.
type raster struct {
	w, h, ss int // image size and samples per pixel side
	sw, sh   int // sample grid size
	invz     []float32
	ids      []uint8
	rgb      []float32 // three linear components per sample
	cInvz    []float32 // per pixel centre, when ss > 1
	cIDs     []uint8

	verts []vert
	cam   []scene.Vec3
	ok    []bool

	// The shelf layer of the last scene with a shelf: buffers right after
	// drawing it, and what they depend on.
	layer      staticKey
	layerSS    int
	layerInvz  []float32
	layerIDs   []uint8
	layerRGB   []float32
	layerCInvz []float32
	layerCIDs  []uint8
}

// vert is a vertex ready to rasterise: fixed-point sample coordinates,
// inverse depth and lit intensity (linear RGB, before albedo).
type vert struct {
	x, y int64
	iz   float32
	lit  [3]float32
}

func (r *raster) reset(ps *preparedScene, ss int) {
	r.w, r.h, r.ss = ps.cam.Width, ps.cam.Height, ss
	r.sw, r.sh = r.w*ss, r.h*ss
	n := r.sw * r.sh
	if cap(r.invz) < n {
		r.invz = make([]float32, n)
		r.ids = make([]uint8, n)
		r.rgb = make([]float32, 3*n)
	}
	r.invz, r.ids, r.rgb = r.invz[:n], r.ids[:n], r.rgb[:3*n]
	clear(r.invz)
	clear(r.ids)
	bg := [3]float32{float32(ps.bg[0]), float32(ps.bg[1]), float32(ps.bg[2])}
	for i := 0; i < len(r.rgb); i += 3 {
		r.rgb[i], r.rgb[i+1], r.rgb[i+2] = bg[0], bg[1], bg[2]
	}
	np := r.w * r.h
	if ss > 1 {
		if cap(r.cInvz) < np {
			r.cInvz = make([]float32, np)
			r.cIDs = make([]uint8, np)
		}
		r.cInvz, r.cIDs = r.cInvz[:np], r.cIDs[:np]
		clear(r.cInvz)
		clear(r.cIDs)
	}
}

// maskIDs returns the mask buffer: per pixel centre, w×h.
func (r *raster) maskIDs() []uint8 {
	if r.ss > 1 {
		return r.cIDs
	}
	return r.ids
}

// clipPlane keeps camera-space points with a·x + b·y + c·z + d >= 0.
type clipPlane [4]float64

func (p clipPlane) dist(v scene.Vec3) float64 {
	return float64(p[0]*v[0]) + float64(p[1]*v[1]) + float64(p[2]*v[2]) + p[3]
}

// drawPart transforms, lights and rasterises one mesh instance.
func (r *raster) drawPart(ps *preparedScene, part *preparedPart) {
	m := part.mesh
	cr := ps.cam.Rotation()
	mv := cr.Mul(part.rot)
	tv := cr.Apply(part.trans.Sub(ps.cam.Pos))
	scale := float64(r.ss)
	f, cx, cy := float64(ps.cam.Focal*scale), float64(ps.cam.CX*scale), float64(ps.cam.CY*scale)
	guard := float64(r.sw + r.sh)
	planes := r.planes(f, cx, cy, guard)

	type objLight struct {
		dir scene.Vec3
		rgb [3]float64
	}
	var lightBuf [scene.MaxLights]objLight
	lights := lightBuf[:len(ps.lights)]
	for i, l := range ps.lights {
		lights[i] = objLight{part.rot.ApplyT(l.dir), l.rgb}
	}

	nv := len(m.Pos)
	if cap(r.verts) < nv {
		r.verts = make([]vert, nv)
		r.cam = make([]scene.Vec3, nv)
		r.ok = make([]bool, nv)
	}
	verts, cams, oks := r.verts[:nv], r.cam[:nv], r.ok[:nv]
	nrm := m.Normals[:nv]
	// mv.apply(p).add(tv) with the matrix in locals: the same products and
	// sums in the same order.
	m00, m01, m02 := mv[0][0], mv[0][1], mv[0][2]
	m10, m11, m12 := mv[1][0], mv[1][1], mv[1][2]
	m20, m21, m22 := mv[2][0], mv[2][1], mv[2][2]
	for i, p := range m.Pos {
		c := scene.Vec3{
			(float64(m00*p[0]) + float64(m01*p[1]) + float64(m02*p[2])) + tv[0],
			(float64(m10*p[0]) + float64(m11*p[1]) + float64(m12*p[2])) + tv[1],
			(float64(m20*p[0]) + float64(m21*p[1]) + float64(m22*p[2])) + tv[2],
		}
		cams[i] = c
		v := &verts[i]
		oks[i] = false
		if c[2] > scene.NearClip {
			iz := 1 / c[2]
			sx, sy := cx+float64(f*c[0]*iz), cy-float64(f*c[1]*iz)
			if sx > -guard && sx < float64(r.sw)+guard && sy > -guard && sy < float64(r.sh)+guard {
				v.x, v.y = toFixed(sx), toFixed(sy)
				v.iz = float32(iz)
				oks[i] = true
			}
		}
		n := nrm[i]
		lit := ps.ambient
		for _, l := range lights {
			if d := n.Dot(l.dir); d > 0 {
				lit[0] += float64(d * l.rgb[0])
				lit[1] += float64(d * l.rgb[1])
				lit[2] += float64(d * l.rgb[2])
			}
		}
		v.lit = [3]float32{float32(lit[0]), float32(lit[1]), float32(lit[2])}
	}
	var alb [4][3]float32
	for k := range alb {
		for a := range 3 {
			alb[k][a] = float32(part.albedo[k][a])
		}
	}
	for t, tri := range m.Tris {
		a, b, c := tri[0], tri[1], tri[2]
		if oks[a] && oks[b] && oks[c] {
			// fill's back-face test, done here to skip the call.
			va, vb, vc := &verts[a], &verts[b], &verts[c]
			if (vb.x-va.x)*(vc.y-va.y)-(vc.x-va.x)*(vb.y-va.y) < 0 {
				r.fill(va, vb, vc, part.id, &alb[m.Mat[t]])
			}
			continue
		}
		r.clipFill(planes, f, cx, cy, [3]scene.Vec3{cams[a], cams[b], cams[c]},
			[3][3]float32{verts[a].lit, verts[b].lit, verts[c].lit}, part.id, &alb[m.Mat[t]])
	}
}

// planes returns the near plane and a guard band around the sample grid, so
// fixed-point coordinates stay small.
func (r *raster) planes(f, cx, cy, g float64) [5]clipPlane {
	sw, sh := float64(r.sw), float64(r.sh)
	return [5]clipPlane{
		{0, 0, 1, -scene.NearClip},
		{f, 0, cx + g, 0},
		{-f, 0, sw + g - cx, 0},
		{0, -f, cy + g, 0},
		{0, f, sh + g - cy, 0},
	}
}

// clipFill clips a camera-space triangle against the planes and rasterises
// what is left as a fan.
func (r *raster) clipFill(planes [5]clipPlane, f, cx, cy float64, p [3]scene.Vec3, lit [3][3]float32, id uint8, alb *[3]float32) {
	type cv struct {
		p   scene.Vec3
		lit [3]float32
	}
	poly := []cv{{p[0], lit[0]}, {p[1], lit[1]}, {p[2], lit[2]}}
	for _, pl := range planes {
		if len(poly) == 0 {
			return
		}
		var out []cv
		for i, a := range poly {
			b := poly[(i+1)%len(poly)]
			da, db := pl.dist(a.p), pl.dist(b.p)
			if da >= 0 {
				out = append(out, a)
			}
			if (da >= 0) != (db >= 0) {
				t := da / (da - db)
				var l [3]float32
				for k := range 3 {
					l[k] = a.lit[k] + float32(float32(t)*(b.lit[k]-a.lit[k]))
				}
				out = append(out, cv{a.p.Add(b.p.Sub(a.p).Scale(t)), l})
			}
		}
		poly = out
	}
	if len(poly) < 3 {
		return
	}
	vs := make([]vert, len(poly))
	for i, c := range poly {
		z := math.Max(c.p[2], scene.NearClip)
		iz := 1 / z
		vs[i] = vert{x: toFixed(cx + float64(f*c.p[0]*iz)), y: toFixed(cy - float64(f*c.p[1]*iz)), iz: float32(iz), lit: c.lit}
	}
	for i := 1; i+1 < len(vs); i++ {
		r.fill(&vs[0], &vs[i], &vs[i+1], id, alb)
	}
}

// fill rasterises one triangle with a depth test at the sample centres
// (colour, depth, id) and, when supersampling, at the pixel centres (mask).
// Triangles facing away from the camera (non-negative signed area with y
// down) are culled.
func (r *raster) fill(v0, v1, v2 *vert, id uint8, alb *[3]float32) {
	area := (v1.x-v0.x)*(v2.y-v0.y) - (v2.x-v0.x)*(v1.y-v0.y)
	if area >= 0 {
		return
	}
	v1, v2 = v2, v1
	area = -area
	minX, maxX := min(v0.x, v1.x, v2.x), max(v0.x, v1.x, v2.x)
	minY, maxY := min(v0.y, v1.y, v2.y), max(v0.y, v1.y, v2.y)
	// The sample and pixel-centre ranges of the bounding box come first: a
	// triangle that covers neither grid's centres writes nothing.
	const half = subOne / 2
	i0 := max(ceilDiv(minX-half, subOne), 0)
	i1 := min(floorDiv(maxX-half, subOne), int64(r.sw-1))
	j0 := max(ceilDiv(minY-half, subOne), 0)
	j1 := min(floorDiv(maxY-half, subOne), int64(r.sh-1))
	colour := i0 <= i1 && j0 <= j1
	mask := false
	var mi0, mi1, mj0, mj1 int64
	step := int64(r.ss) * subOne
	off := int64(r.ss) * subOne / 2
	if r.ss > 1 {
		// Mask pass: pixel centres sit at sample coordinate ss·i + ss/2.
		mi0, mi1 = max(ceilDiv(minX-off, step), 0), min(floorDiv(maxX-off, step), int64(r.w-1))
		mj0, mj1 = max(ceilDiv(minY-off, step), 0), min(floorDiv(maxY-off, step), int64(r.h-1))
		mask = mi0 <= mi1 && mj0 <= mj1
	}
	if !colour && !mask {
		return
	}
	e0, e1, e2 := newEdge(v1, v2), newEdge(v2, v0), newEdge(v0, v1)
	inv := 1 / float32(area)
	iz0, iz1, iz2 := float32(v0.iz*inv), float32(v1.iz*inv), float32(v2.iz*inv)
	if mask {
		px, py := mi0*step+off, mj0*step+off
		r.maskPass(e0.at(px, py), e1.at(px, py), e2.at(px, py), step, int(mi0), int(mi1), int(mj0), int(mj1), iz0, iz1, iz2, id)
	}
	if !colour {
		return
	}
	px, py := i0*subOne+half, j0*subOne+half
	e0, e1, e2 = e0.at(px, py), e1.at(px, py), e2.at(px, py)
	var l0, l1, l2 [3]float32
	for k := range 3 {
		l0[k], l1[k], l2[k] = float32(v0.lit[k]*alb[k]*inv), float32(v1.lit[k]*alb[k]*inv), float32(v2.lit[k]*alb[k]*inv)
	}
	n := int(i1 - i0 + 1)
	for j := j0; j <= j1; j++ {
		w0, w1, w2 := e0.row, e1.row, e2.row
		base := int(j)*r.sw + int(i0)
		invz := r.invz[base : base+n]
		ids := r.ids[base : base+n]
		rgb := r.rgb[3*base : 3*(base+n)]
		for k := range invz {
			if w0|w1|w2 >= 0 {
				// Remove the tie-break bias before weighting.
				f0, f1, f2 := float32(w0-e0.bias), float32(w1-e1.bias), float32(w2-e2.bias)
				if iz := float32(f0*iz0) + float32(f1*iz1) + float32(f2*iz2); iz > invz[k] {
					invz[k] = iz
					ids[k] = id
					c := rgb[3*k : 3*k+3 : 3*k+3]
					c[0] = float32(f0*l0[0]) + float32(f1*l1[0]) + float32(f2*l2[0])
					c[1] = float32(f0*l0[1]) + float32(f1*l1[1]) + float32(f2*l2[1])
					c[2] = float32(f0*l0[2]) + float32(f1*l1[2]) + float32(f2*l2[2])
				}
			}
			w0 -= e0.dy * subOne
			w1 -= e1.dy * subOne
			w2 -= e2.dy * subOne
		}
		e0.row += e0.dx * subOne
		e1.row += e1.dx * subOne
		e2.row += e2.dx * subOne
	}
}

// edge is a triangle edge from a to b: e(p) = (b-a)×(p-a), positive inside
// a triangle with positive area. A point exactly on the edge belongs to the
// triangle only if the edge is an "owner" by direction, so two triangles
// sharing an edge never both claim it: bias is -1 otherwise.
type edge struct {
	ax, ay, dx, dy, bias int64
	row                  int64 // e(p) + bias at the first point of the current row
}

func newEdge(a, b *vert) edge {
	e := edge{ax: a.x, ay: a.y, dx: b.x - a.x, dy: b.y - a.y}
	if !(e.dy > 0 || (e.dy == 0 && e.dx < 0)) {
		e.bias = -1
	}
	return e
}

// at returns the edge with row set at point (px, py).
func (e edge) at(px, py int64) edge {
	e.row = e.dx*(py-e.ay) - e.dy*(px-e.ax) + e.bias
	return e
}

// maskPass writes id and depth at the pixel centres the triangle covers.
func (r *raster) maskPass(e0, e1, e2 edge, step int64, i0, i1, j0, j1 int, iz0, iz1, iz2 float32, id uint8) {
	n := i1 - i0 + 1
	for j := j0; j <= j1; j++ {
		w0, w1, w2 := e0.row, e1.row, e2.row
		base := j*r.w + i0
		invz := r.cInvz[base : base+n]
		ids := r.cIDs[base : base+n]
		for k := range invz {
			if w0|w1|w2 >= 0 {
				f0, f1, f2 := float32(w0-e0.bias), float32(w1-e1.bias), float32(w2-e2.bias)
				if iz := float32(f0*iz0) + float32(f1*iz1) + float32(f2*iz2); iz > invz[k] {
					invz[k] = iz
					ids[k] = id
				}
			}
			w0 -= e0.dy * step
			w1 -= e1.dy * step
			w2 -= e2.dy * step
		}
		e0.row += e0.dx * step
		e1.row += e1.dx * step
		e2.row += e2.dx * step
	}
}

// toFixed converts a sample coordinate to fixed point, rounding half away
// from zero (as math.Round, without its cost).
func toFixed(v float64) int64 {
	v = float64(v * subOne) // rounded: v ± 0.5 below must not fuse with it
	if v < 0 {
		return int64(v - 0.5)
	}
	return int64(v + 0.5)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

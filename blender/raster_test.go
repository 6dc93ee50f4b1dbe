package blender

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cgx-dev/cgx/blender/scene"
)

// TestFillMatchesReference holds fill (ranges checked before the edge
// set-up) and drawPart's back-face test to fillRef, fill as it was, over
// random triangles of every size, on and off the grid, at ss 1..4.
func TestFillMatchesReference(t *testing.T) {
	const seed = 7
	rng := rand.New(rand.NewPCG(seed, 0))
	for ss := 1; ss <= 4; ss++ {
		a, b := newTestRaster(16, 12, ss), newTestRaster(16, 12, ss)
		for n := range 20000 {
			span := []float64{0.3, 2, 8, 40}[n%4] * float64(ss) * subOne
			var vs [3]vert
			for k := range vs {
				vs[k] = vert{
					x:   int64(rng.Float64()*float64(a.sw+8)*subOne) - 4*subOne,
					y:   int64(rng.Float64()*float64(a.sh+8)*subOne) - 4*subOne,
					iz:  rng.Float32(),
					lit: [3]float32{rng.Float32(), rng.Float32(), rng.Float32()},
				}
				if k > 0 {
					vs[k].x = vs[0].x + int64((rng.Float64()-0.5)*span)
					vs[k].y = vs[0].y + int64((rng.Float64()-0.5)*span)
				}
			}
			alb := [3]float32{rng.Float32(), rng.Float32(), rng.Float32()}
			id := uint8(n%250 + 1)
			v0, v1, v2 := vs[0], vs[1], vs[2]
			if (v1.x-v0.x)*(v2.y-v0.y)-(v2.x-v0.x)*(v1.y-v0.y) < 0 {
				a.fill(&v0, &v1, &v2, id, &alb)
			}
			b.fillRef(&vs[0], &vs[1], &vs[2], id, &alb)
			if !slices.Equal(a.invz, b.invz) || !slices.Equal(a.ids, b.ids) || !slices.Equal(a.rgb, b.rgb) ||
				!slices.Equal(a.cInvz, b.cInvz) || !slices.Equal(a.cIDs, b.cIDs) {
				t.Fatalf("seed %d, ss %d, triangle %d %+v: buffers differ", seed, ss, n, vs)
			}
			if n%500 == 0 {
				a, b = newTestRaster(16, 12, ss), newTestRaster(16, 12, ss)
			}
		}
	}
}

func newTestRaster(w, h, ss int) *raster {
	ps := &preparedScene{bg: scene.Vec3{0.1, 0.2, 0.3}}
	ps.cam.Width, ps.cam.Height = w, h
	r := &raster{}
	r.reset(ps, ss)
	return r
}

// fillRef is fill before the range checks moved ahead of the edge set-up.
func (r *raster) fillRef(v0, v1, v2 *vert, id uint8, alb *[3]float32) {
	area := (v1.x-v0.x)*(v2.y-v0.y) - (v2.x-v0.x)*(v1.y-v0.y)
	if area >= 0 {
		return
	}
	v1, v2 = v2, v1
	area = -area
	minX, maxX := min(v0.x, v1.x, v2.x), max(v0.x, v1.x, v2.x)
	minY, maxY := min(v0.y, v1.y, v2.y), max(v0.y, v1.y, v2.y)
	e0, e1, e2 := newEdge(v1, v2), newEdge(v2, v0), newEdge(v0, v1)
	inv := 1 / float32(area)
	iz0, iz1, iz2 := float32(v0.iz*inv), float32(v1.iz*inv), float32(v2.iz*inv)
	if r.ss > 1 {
		// Mask pass: pixel centres sit at sample coordinate ss·i + ss/2.
		step := int64(r.ss) * subOne
		off := int64(r.ss) * subOne / 2
		i0, i1 := max(ceilDiv(minX-off, step), 0), min(floorDiv(maxX-off, step), int64(r.w-1))
		j0, j1 := max(ceilDiv(minY-off, step), 0), min(floorDiv(maxY-off, step), int64(r.h-1))
		if i0 <= i1 && j0 <= j1 {
			px, py := i0*step+off, j0*step+off
			r.maskPass(e0.at(px, py), e1.at(px, py), e2.at(px, py), step, int(i0), int(i1), int(j0), int(j1), iz0, iz1, iz2, id)
		}
	}
	const half = subOne / 2
	i0 := max(ceilDiv(minX-half, subOne), 0)
	i1 := min(floorDiv(maxX-half, subOne), int64(r.sw-1))
	j0 := max(ceilDiv(minY-half, subOne), 0)
	j1 := min(floorDiv(maxY-half, subOne), int64(r.sh-1))
	if i0 > i1 || j0 > j1 {
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

package scene

import (
	"fmt"
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// Triangle materials. Product meshes use body, cap and label; the shelf uses
// MatShelf.
const (
	MatBody uint8 = iota
	MatCap
	MatLabel
	MatShelf
)

// LODSegments are the tessellations of round products, coarse to fine: the
// number of segments around the axis. The renderers pick one per object from its
// projected size (LODFor), and both renderers draw that same mesh.
var LODSegments = [...]int{8, 12, 16, 24}

// LODFor returns the index into LODSegments of the coarsest tessellation
// whose silhouette deviates at most a quarter pixel from the true circle of
// radius rPx pixels.
func LODFor(rPx float64) int {
	for i, n := range LODSegments {
		if rPx*(1-fmath.Cos(math.Pi/float64(n))) <= 0.25 {
			return i
		}
	}
	return len(LODSegments) - 1
}

// Mesh is an indexed triangle mesh with per-vertex normals. Triangles wind
// counter-clockwise seen from outside. Product meshes are in product
// coordinates: metres, upright along +Z, bounding box centred on the origin.
type Mesh struct {
	Segs    int // segments around the axis of lathed parts
	Pos     []Vec3
	Normals []Vec3
	Tris    [][3]int32
	Mat     []uint8 // one per triangle
}

func (m *Mesh) vertex(p, n Vec3) int32 {
	m.Pos = append(m.Pos, p)
	m.Normals = append(m.Normals, n.Unit())
	return int32(len(m.Pos) - 1)
}

func (m *Mesh) tri(a, b, c int32, mat uint8) {
	m.Tris = append(m.Tris, [3]int32{a, b, c})
	m.Mat = append(m.Mat, mat)
}

// quad adds the planar quad a, b, c, d (counter-clockwise from outside) with
// a flat normal.
func (m *Mesh) quad(a, b, c, d Vec3, mat uint8) {
	n := b.Sub(a).Cross(c.Sub(a)).Unit()
	i := m.vertex(a, n)
	j := m.vertex(b, n)
	k := m.vertex(c, n)
	l := m.vertex(d, n)
	m.tri(i, j, k, mat)
	m.tri(i, k, l, mat)
}

// box adds an axis-aligned box from lo to hi with flat faces.
func (m *Mesh) box(lo, hi Vec3, mat uint8) {
	x0, y0, z0 := lo[0], lo[1], lo[2]
	x1, y1, z1 := hi[0], hi[1], hi[2]
	m.quad(Vec3{x0, y0, z0}, Vec3{x0, y1, z0}, Vec3{x1, y1, z0}, Vec3{x1, y0, z0}, mat) // bottom
	m.quad(Vec3{x0, y0, z1}, Vec3{x1, y0, z1}, Vec3{x1, y1, z1}, Vec3{x0, y1, z1}, mat) // top
	m.quad(Vec3{x0, y0, z0}, Vec3{x1, y0, z0}, Vec3{x1, y0, z1}, Vec3{x0, y0, z1}, mat) // front (-y)
	m.quad(Vec3{x1, y1, z0}, Vec3{x0, y1, z0}, Vec3{x0, y1, z1}, Vec3{x1, y1, z1}, mat) // back (+y)
	m.quad(Vec3{x0, y1, z0}, Vec3{x0, y0, z0}, Vec3{x0, y0, z1}, Vec3{x0, y1, z1}, mat) // left (-x)
	m.quad(Vec3{x1, y0, z0}, Vec3{x1, y1, z0}, Vec3{x1, y1, z1}, Vec3{x1, y0, z1}, mat) // right (+x)
}

// profilePoint is one point of a lathe profile (radius r at height z). mat is
// the material of the segment from this point to the next; crease splits the
// normals of the two segments meeting here.
type profilePoint struct {
	r, z   float64
	crease bool
	mat    uint8
}

// lathe revolves a profile, listed from the bottom, about the Z axis around
// centre c. Points with r == 0 become poles (disk centres).
func (m *Mesh) lathe(prof []profilePoint, c Vec3) {
	segN := make([][2]float64, len(prof)-1) // outward normal of each segment in (r, z)
	for i := range segN {
		dr, dz := prof[i+1].r-prof[i].r, prof[i+1].z-prof[i].z
		l := fmath.Hypot(dr, dz)
		segN[i] = [2]float64{dz / l, -dr / l}
	}
	ring := func(i int, n [2]float64) []int32 {
		p := prof[i]
		if p.r == 0 {
			return []int32{m.vertex(c.Add(Vec3{0, 0, p.z}), Vec3{0, 0, n[1]})}
		}
		idx := make([]int32, m.Segs)
		for j := range idx {
			s, co := fmath.Sincos(2 * math.Pi * float64(j) / float64(m.Segs))
			idx[j] = m.vertex(c.Add(Vec3{float64(p.r * co), float64(p.r * s), p.z}), Vec3{float64(n[0] * co), float64(n[0] * s), n[1]})
		}
		return idx
	}
	var below []int32 // ring at the start of the current segment
	for i := range segN {
		if i == 0 || prof[i].crease {
			below = ring(i, segN[i])
		}
		var above []int32
		if i+1 < len(segN) && !prof[i+1].crease {
			n := [2]float64{segN[i][0] + segN[i+1][0], segN[i][1] + segN[i+1][1]}
			l := fmath.Hypot(n[0], n[1])
			above = ring(i+1, [2]float64{n[0] / l, n[1] / l})
		} else {
			above = ring(i+1, segN[i])
		}
		mat := prof[i].mat
		for j := range m.Segs {
			k := (j + 1) % m.Segs
			switch {
			case len(below) == 1:
				m.tri(below[0], above[k], above[j], mat)
			case len(above) == 1:
				m.tri(below[j], below[k], above[0], mat)
			default:
				m.tri(below[j], below[k], above[k], mat)
				m.tri(below[j], above[k], above[j], mat)
			}
		}
		below = above
	}
}

// bandMat returns the body or label material for a segment starting at z.
func bandMat(p ProductKind, z float64) uint8 {
	if z >= float64(p.LabelLow*p.Height)-1e-9 && z < float64(p.LabelHigh*p.Height)-1e-9 {
		return MatLabel
	}
	return MatBody
}

func bottleMesh(p ProductKind, segs int) *Mesh {
	const capR, capH, neckR, neckH = 0.0150, 0.020, 0.0125, 0.012
	R, H := float64(p.Width/2), p.Height
	hs := float64(1.1 * R)
	hb := H - capH - neckH - hs // top of the straight body
	pts := []profilePoint{{r: 0, z: 0}, {r: float64(0.9 * R), z: 0, crease: true}, {r: R, z: 0.008, crease: true},
		{r: R, z: float64(p.LabelLow * H)}, {r: R, z: float64(p.LabelHigh * H)}, {r: R, z: hb}}
	for t := 1; t <= 4; t++ {
		phi := float64(float64(t) / 4 * math.Pi / 2)
		pts = append(pts, profilePoint{r: neckR + float64((R-neckR)*fmath.Cos(phi)), z: hb + float64(hs*fmath.Sin(phi)), crease: t == 4})
	}
	pts = append(pts,
		profilePoint{r: neckR, z: H - capH, crease: true, mat: MatCap},
		profilePoint{r: capR, z: H - capH, crease: true, mat: MatCap},
		profilePoint{r: capR, z: H, crease: true, mat: MatCap},
		profilePoint{r: 0, z: H})
	for i := range pts {
		if pts[i].mat == MatBody {
			pts[i].mat = bandMat(p, pts[i].z)
		}
	}
	m := &Mesh{Segs: segs}
	m.lathe(pts, Vec3{})
	return m
}

func canMesh(p ProductKind, segs int) *Mesh {
	R, H := float64(p.Width/2), p.Height
	pts := []profilePoint{{r: 0, z: 0}, {r: float64(0.85 * R), z: 0, crease: true}, {r: R, z: 0.008, crease: true},
		{r: R, z: float64(p.LabelLow * H)}, {r: R, z: float64(p.LabelHigh * H)}, {r: R, z: H - 0.012, crease: true},
		{r: float64(0.88 * R), z: H - 0.002, crease: true}, {r: float64(0.88 * R), z: H, crease: true, mat: MatCap}, {r: 0, z: H}}
	for i := range pts[:len(pts)-2] {
		pts[i].mat = bandMat(p, pts[i].z)
	}
	m := &Mesh{Segs: segs}
	m.lathe(pts, Vec3{})
	return m
}

func cartonMesh(p ProductKind, segs int) *Mesh {
	w := float64(p.Width / 2)
	hg := float64(0.5 * p.Width) // gable height
	hb := p.Height - hg
	m := &Mesh{Segs: segs}
	m.quad(Vec3{-w, -w, 0}, Vec3{-w, w, 0}, Vec3{w, w, 0}, Vec3{w, -w, 0}, MatBody) // bottom
	// Four walls in three bands each: body, label, body.
	zs := []float64{0, float64(p.LabelLow * p.Height), float64(p.LabelHigh * p.Height), hb}
	corners := []Vec3{{-w, -w}, {w, -w}, {w, w}, {-w, w}}
	for side := range 4 {
		a, b := corners[side], corners[(side+1)%4]
		for band := range 3 {
			z0, z1 := zs[band], zs[band+1]
			mat := MatBody
			if band == 1 {
				mat = MatLabel
			}
			m.quad(Vec3{a[0], a[1], z0}, Vec3{b[0], b[1], z0}, Vec3{b[0], b[1], z1}, Vec3{a[0], a[1], z1}, mat)
		}
	}
	// Gable: two slopes meeting at a ridge along x, two triangular ends.
	top := hb + hg
	m.quad(Vec3{-w, -w, hb}, Vec3{w, -w, hb}, Vec3{w, 0, top}, Vec3{-w, 0, top}, MatBody)
	m.quad(Vec3{w, w, hb}, Vec3{-w, w, hb}, Vec3{-w, 0, top}, Vec3{w, 0, top}, MatBody)
	for _, x := range []float64{-w, w} {
		a, b, c := Vec3{x, -w, hb}, Vec3{x, w, hb}, Vec3{x, 0, top}
		if x < 0 {
			a, b = b, a
		}
		n := b.Sub(a).Cross(c.Sub(a))
		m.tri(m.vertex(a, n), m.vertex(b, n), m.vertex(c, n), MatBody)
	}
	// Screw spout on the front slope, sunk into it so no gap shows.
	const spoutR, spoutH = 0.012, 0.014
	base := hb + float64(hg/2) - spoutR
	m.lathe([]profilePoint{{r: 0, z: base, mat: MatCap}, {r: spoutR, z: base, crease: true, mat: MatCap},
		{r: spoutR, z: hb + float64(hg/2) + spoutH, crease: true, mat: MatCap}, {r: 0, z: hb + float64(hg/2) + spoutH}},
		Vec3{0, float64(-w / 2), 0})
	return m
}

// centre shifts m so that its bounding box is centred on the origin.
func (m *Mesh) centre() {
	lo, hi := m.bounds()
	c := lo.Add(hi).Scale(0.5)
	for i := range m.Pos {
		m.Pos[i] = m.Pos[i].Sub(c)
	}
}

func (m *Mesh) bounds() (lo, hi Vec3) {
	lo = Vec3{math.Inf(1), math.Inf(1), math.Inf(1)}
	hi = lo.Scale(-1)
	for _, p := range m.Pos {
		for a := range 3 {
			lo[a] = math.Min(lo[a], p[a])
			hi[a] = math.Max(hi[a], p[a])
		}
	}
	return lo, hi
}

// productMeshes holds one immutable mesh per product kind and level of
// detail, built at package initialisation.
var productMeshes = func() map[string][]*Mesh {
	out := make(map[string][]*Mesh, len(productKinds))
	for name, p := range productKinds {
		lods := make([]*Mesh, len(LODSegments))
		for i, segs := range LODSegments {
			var m *Mesh
			switch p.Shape {
			case ShapeBottle:
				m = bottleMesh(p, segs)
			case ShapeCan:
				m = canMesh(p, segs)
			case ShapeCarton:
				m = cartonMesh(p, segs)
			}
			m.centre()
			lods[i] = m
		}
		out[name] = lods
	}
	return out
}()

// productMesh returns the finest mesh of a product kind.
func productMesh(kind string) (*Mesh, error) {
	return ProductMeshLOD(kind, len(LODSegments)-1)
}

// ProductMeshLOD returns the mesh of a product kind at level of detail lod
// (an index into LODSegments). The mesh is shared and must not be modified.
func ProductMeshLOD(kind string, lod int) (*Mesh, error) {
	m, ok := productMeshes[kind]
	if !ok {
		return nil, fmt.Errorf("product mesh: %w %q", ErrUnknownProduct, kind)
	}
	return m[lod], nil
}

// ShelfMesh returns the shelf's boards and panels in world coordinates.
func ShelfMesh(s Shelf) *Mesh {
	m := &Mesh{Segs: LODSegments[0]}
	x0, x1 := s.Position[0]-float64(s.Width/2), s.Position[0]+float64(s.Width/2)
	y0, y1 := s.Position[1]-float64(s.Depth/2), s.Position[1]+float64(s.Depth/2)
	z0, top := s.Position[2], s.Top()
	for k := 0; k <= s.Levels; k++ {
		z := z0 + float64(float64(k)*(s.Board+s.LevelHeight))
		m.box(Vec3{x0, y0, z}, Vec3{x1, y1, z + s.Board}, MatShelf)
	}
	m.box(Vec3{x0 - s.Board, y0, z0}, Vec3{x0, y1 + s.Board, top}, MatShelf)
	m.box(Vec3{x1, y0, z0}, Vec3{x1 + s.Board, y1 + s.Board, top}, MatShelf)
	m.box(Vec3{x0, y1, z0}, Vec3{x1, y1 + s.Board, top}, MatShelf)
	return m
}

package blender

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// Vec3 is a point or direction in metres, written [x, y, z] in JSON.
type Vec3 [3]float64

func (a Vec3) add(b Vec3) Vec3 { return Vec3{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func (a Vec3) sub(b Vec3) Vec3 { return Vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func (a Vec3) scale(s float64) Vec3 {
	return Vec3{float64(a[0] * s), float64(a[1] * s), float64(a[2] * s)}
}
func (a Vec3) dot(b Vec3) float64 {
	return float64(a[0]*b[0]) + float64(a[1]*b[1]) + float64(a[2]*b[2])
}
func (a Vec3) cross(b Vec3) Vec3 {
	return Vec3{float64(a[1]*b[2]) - float64(a[2]*b[1]), float64(a[2]*b[0]) - float64(a[0]*b[2]), float64(a[0]*b[1]) - float64(a[1]*b[0])}
}
func (a Vec3) norm() float64 { return math.Sqrt(a.dot(a)) }

// unit returns a scaled to length 1, or the zero vector when a is zero.
func (a Vec3) unit() Vec3 {
	n := a.norm()
	if n == 0 {
		return Vec3{}
	}
	return a.scale(1 / n)
}

func (a Vec3) finite() bool {
	for _, v := range a {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// mat3 is a row-major 3×3 matrix acting on column vectors.
type mat3 [3][3]float64

func (m mat3) apply(v Vec3) Vec3 {
	return Vec3{
		float64(m[0][0]*v[0]) + float64(m[0][1]*v[1]) + float64(m[0][2]*v[2]),
		float64(m[1][0]*v[0]) + float64(m[1][1]*v[1]) + float64(m[1][2]*v[2]),
		float64(m[2][0]*v[0]) + float64(m[2][1]*v[1]) + float64(m[2][2]*v[2]),
	}
}

// applyT applies the transpose (the inverse, for a rotation).
func (m mat3) applyT(v Vec3) Vec3 {
	return Vec3{
		float64(m[0][0]*v[0]) + float64(m[1][0]*v[1]) + float64(m[2][0]*v[2]),
		float64(m[0][1]*v[0]) + float64(m[1][1]*v[1]) + float64(m[2][1]*v[2]),
		float64(m[0][2]*v[0]) + float64(m[1][2]*v[1]) + float64(m[2][2]*v[2]),
	}
}

func (m mat3) mul(n mat3) mat3 {
	var r mat3
	for i := range 3 {
		for j := range 3 {
			r[i][j] = float64(m[i][0]*n[0][j]) + float64(m[i][1]*n[1][j]) + float64(m[i][2]*n[2][j])
		}
	}
	return r
}

// eulerXYZ returns the rotation for Euler angles in degrees with Blender's
// XYZ order: x first, then y, then z, all about the world axes
// (R = Rz·Ry·Rx).
func eulerXYZ(deg Vec3) mat3 {
	rad := deg.scale(math.Pi / 180)
	sx, cx := fmath.Sincos(rad[0])
	sy, cy := fmath.Sincos(rad[1])
	sz, cz := fmath.Sincos(rad[2])
	rx := mat3{{1, 0, 0}, {0, cx, -sx}, {0, sx, cx}}
	ry := mat3{{cy, 0, sy}, {0, 1, 0}, {-sy, 0, cy}}
	rz := mat3{{cz, -sz, 0}, {sz, cz, 0}, {0, 0, 1}}
	return rz.mul(ry).mul(rx)
}

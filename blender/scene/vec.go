package scene

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// Vec3 is a point or direction in metres, written [x, y, z] in JSON.
type Vec3 [3]float64

// Add, Sub, Scale, Dot, Cross and Norm are the vector operations both
// renderers use. Every product is rounded before it is added (float64 of
// the product), so no machine fuses them and the bits are the same
// everywhere.
func (a Vec3) Add(b Vec3) Vec3 { return Vec3{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func (a Vec3) Sub(b Vec3) Vec3 { return Vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func (a Vec3) Scale(s float64) Vec3 {
	return Vec3{float64(a[0] * s), float64(a[1] * s), float64(a[2] * s)}
}
func (a Vec3) Dot(b Vec3) float64 {
	return float64(a[0]*b[0]) + float64(a[1]*b[1]) + float64(a[2]*b[2])
}
func (a Vec3) Cross(b Vec3) Vec3 {
	return Vec3{float64(a[1]*b[2]) - float64(a[2]*b[1]), float64(a[2]*b[0]) - float64(a[0]*b[2]), float64(a[0]*b[1]) - float64(a[1]*b[0])}
}
func (a Vec3) Norm() float64 { return math.Sqrt(a.Dot(a)) }

// Unit returns a scaled to length 1, or the zero vector when a is zero.
func (a Vec3) Unit() Vec3 {
	n := a.Norm()
	if n == 0 {
		return Vec3{}
	}
	return a.Scale(1 / n)
}

func (a Vec3) finite() bool {
	for _, v := range a {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Mat3 is a row-major 3×3 matrix acting on column vectors.
type Mat3 [3][3]float64

// Apply returns m·v.
func (m Mat3) Apply(v Vec3) Vec3 {
	return Vec3{
		float64(m[0][0]*v[0]) + float64(m[0][1]*v[1]) + float64(m[0][2]*v[2]),
		float64(m[1][0]*v[0]) + float64(m[1][1]*v[1]) + float64(m[1][2]*v[2]),
		float64(m[2][0]*v[0]) + float64(m[2][1]*v[1]) + float64(m[2][2]*v[2]),
	}
}

// ApplyT applies the transpose (the inverse, for a rotation).
func (m Mat3) ApplyT(v Vec3) Vec3 {
	return Vec3{
		float64(m[0][0]*v[0]) + float64(m[1][0]*v[1]) + float64(m[2][0]*v[2]),
		float64(m[0][1]*v[0]) + float64(m[1][1]*v[1]) + float64(m[2][1]*v[2]),
		float64(m[0][2]*v[0]) + float64(m[1][2]*v[1]) + float64(m[2][2]*v[2]),
	}
}

// Mul returns the product m·n.
func (m Mat3) Mul(n Mat3) Mat3 {
	var r Mat3
	for i := range 3 {
		for j := range 3 {
			r[i][j] = float64(m[i][0]*n[0][j]) + float64(m[i][1]*n[1][j]) + float64(m[i][2]*n[2][j])
		}
	}
	return r
}

// EulerXYZ returns the rotation for Euler angles in degrees with Blender's
// XYZ order: x first, then y, then z, all about the world axes
// (R = Rz·Ry·Rx).
func EulerXYZ(deg Vec3) Mat3 {
	rad := deg.Scale(math.Pi / 180)
	sx, cx := fmath.Sincos(rad[0])
	sy, cy := fmath.Sincos(rad[1])
	sz, cz := fmath.Sincos(rad[2])
	rx := Mat3{{1, 0, 0}, {0, cx, -sx}, {0, sx, cx}}
	ry := Mat3{{cy, 0, sy}, {0, 1, 0}, {-sy, 0, cy}}
	rz := Mat3{{cz, -sz, 0}, {sz, cz, 0}, {0, 0, 1}}
	return rz.Mul(ry).Mul(rx)
}

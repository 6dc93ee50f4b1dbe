package scene

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// NearClip is the distance in metres below which geometry is clipped; the
// Blender backend sets the same clip_start.
const NearClip = 0.01

// CameraModel is the pinhole camera both renderers share. Camera space has
// x to the right, y up and z along the viewing direction (depth). Pixel
// coordinates have x to the right and y down; pixel (i, j) covers
// [i, i+1)×[j, j+1) and its centre is (i+0.5, j+0.5).
type CameraModel struct {
	Pos            Vec3
	Right, Up, Fwd Vec3    // world directions of the camera axes
	Focal          float64 // pixels per unit of tangent (vertical FOV fit)
	CX, CY         float64 // principal point: the image centre
	Width, Height  int
}

// NewCameraModel returns the pinhole model of camera c: its axes (Roll
// turns right and up about the viewing direction) and a focal length that
// fits the vertical field of view to the image height.
func NewCameraModel(c Camera) CameraModel {
	fwd := c.Target.Sub(c.Position).Unit()
	worldUp := Vec3{0, 0, 1}
	if math.Abs(fwd.Dot(worldUp)) > 0.999999 {
		worldUp = Vec3{0, 1, 0}
	}
	right := fwd.Cross(worldUp).Unit()
	up := right.Cross(fwd)
	if c.Roll != 0 {
		s, co := fmath.Sincos(c.Roll * math.Pi / 180)
		right, up = right.Scale(co).Add(up.Scale(s)), up.Scale(co).Sub(right.Scale(s))
	}
	return CameraModel{
		Pos: c.Position, Right: right, Up: up, Fwd: fwd,
		Focal: float64(c.Height) / 2 / fmath.Tan(c.FOV*math.Pi/360),
		CX:    float64(c.Width) / 2, CY: float64(c.Height) / 2,
		Width: c.Width, Height: c.Height,
	}
}

// ToCamera maps a world point to camera space.
func (m CameraModel) ToCamera(p Vec3) Vec3 {
	d := p.Sub(m.Pos)
	return Vec3{d.Dot(m.Right), d.Dot(m.Up), d.Dot(m.Fwd)}
}

// Rotation returns the world-to-camera rotation (rows are the camera axes).
func (m CameraModel) Rotation() Mat3 {
	return Mat3{m.Right, m.Up, m.Fwd}
}

// Project maps a camera-space point with z > 0 to pixel coordinates.
func (m CameraModel) Project(c Vec3) (x, y float64) {
	return m.CX + m.Focal*c[0]/c[2], m.CY - m.Focal*c[1]/c[2]
}

// ProjectPoint maps a world point to pixel coordinates with the renderers'
// convention (x right, y down, pixel centres at +0.5) and reports whether it
// lies in front of the camera.
func ProjectPoint(c Camera, p Vec3) (x, y float64, inFront bool) {
	m := NewCameraModel(c)
	cp := m.ToCamera(p)
	if cp[2] <= NearClip {
		return 0, 0, false
	}
	x, y = m.Project(cp)
	return x, y, true
}

// BlenderMatrix returns the camera object's 4×4 world matrix (row-major) in
// Blender's convention: the camera looks along its local -Z with +Y up.
func (m CameraModel) BlenderMatrix() [4][4]float64 {
	var r [4][4]float64
	for a := range 3 {
		r[a] = [4]float64{m.Right[a], m.Up[a], -m.Fwd[a], m.Pos[a]}
	}
	r[3] = [4]float64{0, 0, 0, 1}
	return r
}

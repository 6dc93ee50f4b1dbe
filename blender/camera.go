package blender

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// nearClip is the distance in metres below which geometry is clipped; the
// Blender backend sets the same clip_start.
const nearClip = 0.01

// cameraModel is the pinhole camera both renderers share. Camera space has
// x to the right, y up and z along the viewing direction (depth). Pixel
// coordinates have x to the right and y down; pixel (i, j) covers
// [i, i+1)×[j, j+1) and its centre is (i+0.5, j+0.5).
type cameraModel struct {
	pos            Vec3
	right, up, fwd Vec3    // world directions of the camera axes
	focal          float64 // pixels per unit of tangent (vertical FOV fit)
	cx, cy         float64 // principal point: the image centre
	width, height  int
}

func newCameraModel(c Camera) cameraModel {
	fwd := c.Target.sub(c.Position).unit()
	worldUp := Vec3{0, 0, 1}
	if math.Abs(fwd.dot(worldUp)) > 0.999999 {
		worldUp = Vec3{0, 1, 0}
	}
	right := fwd.cross(worldUp).unit()
	up := right.cross(fwd)
	if c.Roll != 0 {
		s, co := fmath.Sincos(c.Roll * math.Pi / 180)
		right, up = right.scale(co).add(up.scale(s)), up.scale(co).sub(right.scale(s))
	}
	return cameraModel{
		pos: c.Position, right: right, up: up, fwd: fwd,
		focal: float64(c.Height) / 2 / fmath.Tan(c.FOV*math.Pi/360),
		cx:    float64(c.Width) / 2, cy: float64(c.Height) / 2,
		width: c.Width, height: c.Height,
	}
}

// toCamera maps a world point to camera space.
func (m cameraModel) toCamera(p Vec3) Vec3 {
	d := p.sub(m.pos)
	return Vec3{d.dot(m.right), d.dot(m.up), d.dot(m.fwd)}
}

// rotation returns the world-to-camera rotation (rows are the camera axes).
func (m cameraModel) rotation() mat3 {
	return mat3{m.right, m.up, m.fwd}
}

// project maps a camera-space point with z > 0 to pixel coordinates.
func (m cameraModel) project(c Vec3) (x, y float64) {
	return m.cx + m.focal*c[0]/c[2], m.cy - m.focal*c[1]/c[2]
}

// ProjectPoint maps a world point to pixel coordinates with the renderers'
// convention (x right, y down, pixel centres at +0.5) and reports whether it
// lies in front of the camera.
func ProjectPoint(c Camera, p Vec3) (x, y float64, inFront bool) {
	m := newCameraModel(c)
	cp := m.toCamera(p)
	if cp[2] <= nearClip {
		return 0, 0, false
	}
	x, y = m.project(cp)
	return x, y, true
}

// blenderMatrix returns the camera object's 4×4 world matrix (row-major) in
// Blender's convention: the camera looks along its local -Z with +Y up.
func (m cameraModel) blenderMatrix() [4][4]float64 {
	var r [4][4]float64
	for a := range 3 {
		r[a] = [4]float64{m.right[a], m.up[a], -m.fwd[a], m.pos[a]}
	}
	r[3] = [4]float64{0, 0, 0, 1}
	return r
}

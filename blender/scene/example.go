package scene

import (
	"fmt"
	"math"
)

// The standard stage shared by the examples and the dataset generators.
var (
	// StandardShelf is the two-level shop shelf of experiment 2: 75 cm wide,
	// 40 cm deep, two 36 cm compartments.
	StandardShelf = Shelf{Width: 0.75, Depth: 0.40, LevelHeight: 0.36, Levels: 2, Board: 0.02}
	// StandardTable is the one-level shelf experiment 1 puts its bottle on.
	StandardTable = Shelf{Width: 0.8, Depth: 0.40, LevelHeight: 0.35, Levels: 1, Board: 0.02}
)

func standardLights() []Light {
	return []Light{
		{Direction: Vec3{-0.45, -0.8, 0.65}, Intensity: 1.3},
		{Direction: Vec3{0.7, -0.35, 0.3}, Intensity: 0.35},
	}
}

func standardAmbient() Ambient { return Ambient{Intensity: 0.35} }

// ShelfCamera returns the camera of experiment 2 at size×size pixels: in
// front of the shelf, slightly above its middle, seeing both levels.
func ShelfCamera(size int) Camera {
	return Camera{Position: Vec3{0, -1.3, 0.48}, Target: Vec3{0, 0, 0.37}, FOV: 37, Width: size, Height: size}
}

// TableCamera returns the camera of experiment 1 at size×size pixels.
func TableCamera(size int) Camera {
	return Camera{Position: Vec3{0, -0.8, 0.32}, Target: Vec3{0, 0, 0.13}, FOV: 34, Width: size, Height: size}
}

// ExampleKinds lists the kinds Example accepts.
var ExampleKinds = []string{"bottle", "shelf"}

// Example returns a valid scene to start from: "bottle" is one 500 ml
// bottle standing on a table (experiment 1), "shelf" is the two-level shelf
// with six products arranged by the shelf rule (experiment 2). size is the
// image side in pixels.
func Example(kind string, size int) (Scene, error) {
	switch kind {
	case "bottle":
		table := StandardTable
		s := Scene{Version: Version, Ambient: standardAmbient(), Lights: standardLights(),
			Camera: TableCamera(size), Shelf: &table}
		o := Object{Product: "bottle-500ml", Position: Vec3{0, 0, 0}, Rotation: Vec3{0, 0, 20}}
		o.Position[2] = RestingZ(o, table.LevelZ(0))
		s.Objects = []Object{o}
		return s, s.Validate()
	case "shelf":
		shelf := StandardShelf
		s := Scene{Version: Version, Ambient: standardAmbient(), Lights: standardLights(),
			Camera: ShelfCamera(size), Shelf: &shelf}
		top := []string{"bottle-500ml", "can-330ml", "bottle-350ml"}
		bottom := []string{"bottle-2l", "carton-1l", "bottle-1.5l"}
		xs := shelfSlots(shelf, 3)
		for i, k := range top {
			o := Object{Product: k, Position: Vec3{xs[i], 0, 0}, Rotation: Vec3{0, 0, 15}}
			o.Position[2] = RestingZ(o, shelf.LevelZ(1))
			s.Objects = append(s.Objects, o)
		}
		for i, k := range bottom {
			o := Object{Product: k, Position: Vec3{xs[i], 0, 0}, Rotation: Vec3{90, 0, 0}}
			o.Position[2] = RestingZ(o, shelf.LevelZ(0))
			s.Objects = append(s.Objects, o)
		}
		return s, s.Validate()
	}
	return Scene{}, fmt.Errorf("example scene %q: want one of %v", kind, ExampleKinds)
}

// shelfSlots returns n slot centres spread evenly across the shelf width.
func shelfSlots(s Shelf, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = s.Position[0] - float64(s.Width/2) + s.Width*(float64(i)+0.5)/float64(n)
	}
	return xs
}

// RestingZ returns the centre height at which object o, with its rotation,
// touches the surface at height floor with its lowest point.
func RestingZ(o Object, floor float64) float64 {
	m, err := productMesh(o.Product)
	if err != nil {
		return floor
	}
	// The z row of the rotation, written as Mat3.Apply computes it (same
	// products, same order); the builtin min gives math.Min's values.
	r := EulerXYZ(o.Rotation)[2]
	low := math.Inf(1)
	for _, v := range m.Pos {
		low = min(low, float64(r[0]*v[0])+float64(r[1]*v[1])+float64(r[2]*v[2]))
	}
	return floor - low
}

package blender

import (
	"sync"

	"github.com/cgx-dev/cgx/blender/scene"
)

// preparedScene is a validated, normalised scene resolved into what both
// renderers draw: meshes with world transforms, linear colours and the
// shared camera model.
type preparedScene struct {
	cam     scene.CameraModel
	bg      [3]float64 // linear
	ambient [3]float64 // linear colour times intensity
	lights  []preparedLight
	parts   []preparedPart // the shelf (id 0) first, then the objects in order
	// static names everything the shelf layer depends on: the rasteriser
	// reuses a drawn shelf while it stays the same (dataset scenes share
	// one stage). Zero when there is no shelf.
	static staticKey
}

// staticKey is comparable; equal keys draw identical shelf layers.
type staticKey struct {
	shelf   scene.Shelf
	cam     scene.Camera
	bg      scene.Color
	ambient scene.Ambient
	lights  [scene.MaxLights]scene.Light
	nLights int
}

type preparedLight struct {
	dir scene.Vec3 // unit, world, towards the light
	rgb [3]float64 // linear colour times intensity
}

// preparedPart is one mesh instance: world = rot·p + trans.
type preparedPart struct {
	id     uint8 // mask id: 0 for the shelf, object index + 1 otherwise
	name   string
	mesh   *scene.Mesh
	rot    scene.Mat3
	trans  scene.Vec3
	albedo [4][3]float64 // linear, indexed by material
}

// prepare validates s and resolves it for rendering.
func prepare(s scene.Scene) (*preparedScene, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	n := s.Normalize()
	p := &preparedScene{cam: scene.NewCameraModel(n.Camera), bg: n.Background.Linear()}
	amb := n.Ambient.Color.Linear()
	for a := range 3 {
		p.ambient[a] = amb[a] * n.Ambient.Intensity
	}
	for _, l := range n.Lights {
		c := l.Color.Linear()
		p.lights = append(p.lights, preparedLight{dir: l.Direction.Unit(),
			rgb: [3]float64{c[0] * l.Intensity, c[1] * l.Intensity, c[2] * l.Intensity}})
	}
	identity := scene.Mat3{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	if n.Shelf != nil {
		part := preparedPart{id: 0, name: "shelf", mesh: cachedShelfMesh(*n.Shelf), rot: identity}
		part.albedo[scene.MatShelf] = n.Shelf.Color.Linear()
		p.parts = append(p.parts, part)
		p.static = staticKey{shelf: *n.Shelf, cam: n.Camera, bg: n.Background, ambient: n.Ambient, nLights: len(n.Lights)}
		copy(p.static.lights[:], n.Lights)
	}
	for i, o := range n.Objects {
		kind, err := scene.LookupProduct(o.Product)
		if err != nil {
			return nil, err
		}
		// Level of detail from the projected radius at the object's depth;
		// objects at or behind the camera plane get the finest mesh.
		lod := len(scene.LODSegments) - 1
		if depth := p.cam.ToCamera(o.Position)[2]; depth > scene.NearClip {
			lod = scene.LODFor(p.cam.Focal * kind.Width / 2 / depth)
		}
		m, err := scene.ProductMeshLOD(o.Product, lod)
		if err != nil {
			return nil, err
		}
		part := preparedPart{id: uint8(i + 1), name: o.Product, mesh: m, rot: scene.EulerXYZ(o.Rotation), trans: o.Position}
		part.albedo[scene.MatBody] = o.Body.Linear()
		part.albedo[scene.MatCap] = o.Cap.Linear()
		part.albedo[scene.MatLabel] = o.Label.Linear()
		p.parts = append(p.parts, part)
	}
	return p, nil
}

// shelfMeshes caches shelf meshes by geometry: dataset scenes share a few
// shelves. Bounded so that scenes with ever-new shelves cannot grow it.
var shelfMeshes struct {
	sync.Mutex
	m map[scene.Shelf]*scene.Mesh
}

func cachedShelfMesh(s scene.Shelf) *scene.Mesh {
	s.Color = scene.Color{}
	shelfMeshes.Lock()
	defer shelfMeshes.Unlock()
	if m, ok := shelfMeshes.m[s]; ok {
		return m
	}
	m := scene.ShelfMesh(s)
	if shelfMeshes.m == nil || len(shelfMeshes.m) >= 64 {
		shelfMeshes.m = map[scene.Shelf]*scene.Mesh{}
	}
	shelfMeshes.m[s] = m
	return m
}

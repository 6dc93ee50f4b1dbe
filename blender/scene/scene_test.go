package scene

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustExample(t testing.TB, kind string, size int) Scene {
	t.Helper()
	s, err := Example(kind, size)
	if err != nil {
		t.Fatalf("example %s: %v", kind, err)
	}
	return s
}

var colorCmp = cmp.AllowUnexported(Color{})

func TestSceneJSONRoundTrip(t *testing.T) {
	for _, kind := range ExampleKinds {
		t.Run(kind, func(t *testing.T) {
			s := mustExample(t, kind, 128)
			s.Objects[0].Cap = RGB(0, 0, 0) // set black must survive
			b, err := s.EncodeJSON()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, b)
			}
			if d := cmp.Diff(s, got, colorCmp); d != "" {
				t.Errorf("round trip (-want +got):\n%s", d)
			}
			if got.Digest() != s.Digest() {
				t.Errorf("digest changed across round trip")
			}
		})
	}
}

func TestSceneDigest(t *testing.T) {
	s := mustExample(t, "shelf", 64)
	d := s.Digest()
	if len(d) != 64 {
		t.Fatalf("digest %q: want 64 hex chars", d)
	}
	// Filling defaults explicitly does not change the digest.
	if n := s.Normalize(); n.Digest() != d {
		t.Errorf("normalised scene digest differs")
	}
	// Reformatted JSON decodes to the same digest.
	b, _ := json.Marshal(s)
	var v any
	_ = json.Unmarshal(b, &v)
	b2, _ := json.MarshalIndent(v, "", "\t")
	s2, err := Decode(b2)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Digest() != d {
		t.Errorf("digest depends on JSON formatting")
	}
	// Any change of content changes it.
	changes := map[string]func(*Scene){
		"object moved":  func(s *Scene) { s.Objects[0].Position[0] += 0.001 },
		"colour":        func(s *Scene) { s.Objects[1].Label = RGB(1, 2, 3) },
		"camera size":   func(s *Scene) { s.Camera.Width = 65 },
		"light":         func(s *Scene) { s.Lights[0].Intensity = 1 },
		"object order":  func(s *Scene) { s.Objects[0], s.Objects[1] = s.Objects[1], s.Objects[0] },
		"shelf removed": func(s *Scene) { s.Shelf = nil },
	}
	for name, f := range changes {
		c := s.Clone()
		f(&c)
		if c.Digest() == d {
			t.Errorf("%s: digest unchanged", name)
		}
	}
	// Clone is deep: the original is untouched.
	if s.Digest() != d {
		t.Errorf("Clone aliased the original")
	}
}

func TestSceneValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Scene)
		want   string // substring of the message; "" = valid
		unwrap error
	}{
		{"example is valid", func(*Scene) {}, "", nil},
		{"unknown product", func(s *Scene) { s.Objects[2].Product = "bottle-9l" }, `object 3: unknown product kind "bottle-9l" (known: bottle-1.5l`, ErrUnknownProduct},
		{"NaN position", func(s *Scene) { s.Objects[0].Position[1] = math.NaN() }, "object 1 (bottle-500ml): position", ErrInvalidScene},
		{"infinite rotation", func(s *Scene) { s.Objects[1].Rotation[2] = math.Inf(1) }, "must be finite", ErrInvalidScene},
		{"outside shelf x", func(s *Scene) { s.Objects[0].Position[0] = 0.9 }, "lies outside the shelf: x must be within [-0.375, 0.375]", ErrInvalidScene},
		{"outside shelf z", func(s *Scene) { s.Objects[4].Position[2] = 2 }, "object 5 (carton-1l) at [", ErrInvalidScene},
		{"resolution too big", func(s *Scene) { s.Camera.Width = 1024 }, "camera resolution 1024x64 out of range: each side must be 32..512 pixels", ErrInvalidScene},
		{"resolution too small", func(s *Scene) { s.Camera.Height = 16 }, "out of range", ErrInvalidScene},
		{"fov", func(s *Scene) { s.Camera.FOV = 0 }, "camera fov 0", ErrInvalidScene},
		{"camera looks nowhere", func(s *Scene) { s.Camera.Target = s.Camera.Position }, "equals its position", ErrInvalidScene},
		{"version", func(s *Scene) { s.Version = 0 }, `set "version": 1`, ErrInvalidScene},
		{"light zero direction", func(s *Scene) { s.Lights[0].Direction = Vec3{} }, "light 1: direction", ErrInvalidScene},
		{"light NaN intensity", func(s *Scene) { s.Lights[1].Intensity = math.NaN() }, "light 2: intensity NaN", ErrInvalidScene},
		{"ambient", func(s *Scene) { s.Ambient.Intensity = -1 }, "ambient intensity -1", ErrInvalidScene},
		{"shelf levels", func(s *Scene) { s.Shelf.Levels = 9 }, "shelf levels 9: want 1..4", ErrInvalidScene},
		{"shelf width NaN", func(s *Scene) { s.Shelf.Width = math.NaN() }, "shelf width NaN", ErrInvalidScene},
		{"no shelf, object anywhere", func(s *Scene) { s.Shelf = nil; s.Objects[0].Position = Vec3{5, 5, 5} }, "", nil},
		{"too many objects", func(s *Scene) {
			for len(s.Objects) <= MaxObjects {
				s.Objects = append(s.Objects, s.Objects[0])
			}
		}, "256 objects: at most 255", ErrInvalidScene},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustExample(t, "shelf", 64)
			tt.edit(&s)
			err := s.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want error containing %q, got nil", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
			if !errors.Is(err, tt.unwrap) || !errors.Is(err, ErrInvalidScene) {
				t.Errorf("error %v does not wrap %v and ErrInvalidScene", err, tt.unwrap)
			}
		})
	}
}

func TestDecodeSceneErrors(t *testing.T) {
	good, _ := mustExample(t, "bottle", 64).EncodeJSON()
	tests := []struct {
		name, in, want string
	}{
		{"syntax", "{\n  \"version\": 1,\n  oops\n}", "line 3 column"},
		{"unknown key", `{"version":1,"colour":"#ffffff"}`, `unknown field "colour"`},
		{"wrong type", `{"version":"one"}`, "line 1 column"},
		{"bad colour", `{"version":1,"background":"red"}`, `parse colour "red": want #rrggbb`},
		{"trailing", string(good) + "{}", "trailing data"},
		{"empty", "", "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalidScene) {
				t.Errorf("Decode error %v, want ErrInvalidScene containing %q", err, tt.want)
			}
		})
	}
}

func TestProductCatalogue(t *testing.T) {
	kinds := ProductKinds()
	if len(kinds) < 6 {
		t.Fatalf("%d product kinds, want at least 6", len(kinds))
	}
	small, large := 0, 0
	for _, p := range kinds {
		m, err := productMesh(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := m.bounds()
		size := hi.Sub(lo)
		// The mesh has the catalogue's real dimensions within a millimetre
		// (lathe polygons are inscribed, so width may be slightly less).
		if math.Abs(size[2]-p.Height) > 1e-3 || size[0] > p.Width+1e-9 || size[0] < 0.97*p.Width {
			t.Errorf("%s: mesh size %v, want width %v height %v", p.Name, size, p.Width, p.Height)
		}
		if c := lo.Add(hi); c.Norm() > 1e-9 {
			t.Errorf("%s: mesh not centred: %v", p.Name, c)
		}
		if p.Small() {
			small++
		} else {
			large++
		}
	}
	if small < 3 || large < 3 {
		t.Errorf("%d small and %d large kinds; the shelf rule needs at least 3 of each", small, large)
	}
}

func TestEulerMatchesBlender(t *testing.T) {
	// Rotation (90, 0, 0) lays a product down with its top towards -Y;
	// (0, 90, 0) towards +X; (0, 0, 90) turns +X into +Y.
	tests := []struct {
		rot  Vec3
		in   Vec3
		want Vec3
	}{
		{Vec3{90, 0, 0}, Vec3{0, 0, 1}, Vec3{0, -1, 0}},
		{Vec3{0, 90, 0}, Vec3{0, 0, 1}, Vec3{1, 0, 0}},
		{Vec3{0, 0, 90}, Vec3{1, 0, 0}, Vec3{0, 1, 0}},
		{Vec3{90, 0, 90}, Vec3{0, 0, 1}, Vec3{1, 0, 0}}, // x first, then z
	}
	for _, tt := range tests {
		got := EulerXYZ(tt.rot).Apply(tt.in)
		if got.Sub(tt.want).Norm() > 1e-12 {
			t.Errorf("euler %v applied to %v = %v, want %v", tt.rot, tt.in, got, tt.want)
		}
	}
}

func FuzzDecodeScene(f *testing.F) {
	for _, k := range ExampleKinds {
		b, _ := mustExample(f, k, 64).EncodeJSON()
		f.Add(b)
	}
	f.Add([]byte(`{"version":1,"camera":{"position":[0,0,0],"target":[0,1,0],"fov":40,"width":32,"height":32},"objects":[]}`))
	f.Add([]byte(`{"version":1,"objects":[{"product":"can-330ml","body":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidScene) {
				t.Fatalf("error does not wrap ErrInvalidScene: %v", err)
			}
			return
		}
		b, err := s.EncodeJSON()
		if err != nil {
			t.Fatalf("valid scene does not encode: %v", err)
		}
		s2, err := Decode(b)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if s2.Digest() != s.Digest() {
			t.Fatalf("digest changed across round trip")
		}
	})
}

// TestRestingZMatchesApply holds RestingZ (the z row of the rotation only)
// to the lowest z of Mat3.Apply over the mesh, for every product kind
// under random rotations (signed zeros included).
func TestRestingZMatchesApply(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, kind := range ProductKindNames() {
		m, err := productMesh(kind)
		if err != nil {
			t.Fatal(err)
		}
		for k := range 200 {
			rot := Vec3{rng.Float64()*360 - 180, rng.Float64()*360 - 180, rng.Float64()*360 - 180}
			if k < 8 {
				rot = Vec3{float64(90 * (k % 2)), math.Copysign(0, float64(k%4-2)), float64(-90 * (k / 4))}
			}
			o := Object{Product: kind, Rotation: rot}
			r := EulerXYZ(rot)
			low := math.Inf(1)
			for _, v := range m.Pos {
				low = math.Min(low, r.Apply(v)[2])
			}
			for _, floor := range []float64{0, 0.02, 0.38} {
				if got, want := RestingZ(o, floor), floor-low; math.Float64bits(got) != math.Float64bits(want) {
					t.Fatalf("%s rotated %v on %v: RestingZ %v, want %v", kind, rot, floor, got, want)
				}
			}
		}
	}
}

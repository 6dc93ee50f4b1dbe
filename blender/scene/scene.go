package scene

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/cgx-dev/cgx/internal/jsonpos"
)

// Version is the scene JSON format version this package reads and writes.
const Version = 1

// Scene is everything a renderer needs: products, an optional shelf, one
// camera and the lights. Units are metres and degrees; +Z is up.
type Scene struct {
	Version    int      `json:"version"`
	Background Color    `json:"background,omitzero"` // seen where nothing is hit
	Ambient    Ambient  `json:"ambient"`
	Lights     []Light  `json:"lights"`
	Camera     Camera   `json:"camera"`
	Shelf      *Shelf   `json:"shelf,omitempty"`
	Objects    []Object `json:"objects"`
}

// Ambient is uniform light from every direction, added to the lights.
type Ambient struct {
	Color     Color   `json:"color,omitzero"` // default white
	Intensity float64 `json:"intensity"`      // 0..10
}

// Light is a directional (sun-like) light.
type Light struct {
	Direction Vec3    `json:"direction"`      // from the scene towards the light; need not be unit length
	Color     Color   `json:"color,omitzero"` // default white
	Intensity float64 `json:"intensity"`      // irradiance on a surface facing the light, 0..100
}

// Camera is a pinhole camera looking from Position at Target with world +Z
// up, turned by Roll degrees about its viewing axis. FOV is the vertical
// field of view in degrees.
type Camera struct {
	Position Vec3    `json:"position"`
	Target   Vec3    `json:"target"`
	Roll     float64 `json:"roll,omitzero"`
	FOV      float64 `json:"fov"`
	Width    int     `json:"width"`
	Height   int     `json:"height"`
}

// Shelf is an axis-aligned open shelf with Levels compartments stacked on
// each other, side panels, a back panel at +Y and boards between levels.
// Position is the centre of its footprint on the floor; Width and Depth are
// inner sizes; LevelHeight is the clear height of one compartment.
type Shelf struct {
	Position    Vec3    `json:"position"`
	Width       float64 `json:"width"`
	Depth       float64 `json:"depth"`
	LevelHeight float64 `json:"level_height"`
	Levels      int     `json:"levels"`
	Board       float64 `json:"board"` // board thickness
	Color       Color   `json:"color,omitzero"`
}

// LevelZ returns the height of the surface that level k (0 = bottom) stands on.
func (s Shelf) LevelZ(k int) float64 {
	return s.Position[2] + s.Board + float64(float64(k)*(s.Board+s.LevelHeight))
}

// Top returns the height of the top of the shelf.
func (s Shelf) Top() float64 {
	return s.Position[2] + float64(float64(s.Levels+1)*s.Board) + float64(float64(s.Levels)*s.LevelHeight)
}

// Object is one product instance. Position is the centre of the product's
// bounding box; Rotation is Euler XYZ in degrees (Blender's convention).
// Unset colours take the product kind's defaults.
type Object struct {
	Product  string `json:"product"`
	Position Vec3   `json:"position"`
	Rotation Vec3   `json:"rotation"`
	Body     Color  `json:"body,omitzero"`
	Cap      Color  `json:"cap,omitzero"`
	Label    Color  `json:"label,omitzero"`
}

// Default colours applied by Normalize.
var (
	defaultBackground = Hex("#d8dde3")
	defaultShelf      = Hex("#b5ab9b")
	white             = Hex("#ffffff")
)

// Clone returns a deep copy of s.
func (s Scene) Clone() Scene {
	c := s
	c.Lights = append([]Light(nil), s.Lights...)
	c.Objects = append([]Object(nil), s.Objects...)
	if s.Shelf != nil {
		sh := *s.Shelf
		c.Shelf = &sh
	}
	return c
}

// Normalize returns a deep copy with every unset colour filled with its
// default. Objects of unknown kinds keep unset colours (Validate reports them).
func (s Scene) Normalize() Scene {
	c := s.Clone()
	c.Background = c.Background.Or(defaultBackground)
	c.Ambient.Color = c.Ambient.Color.Or(white)
	for i := range c.Lights {
		c.Lights[i].Color = c.Lights[i].Color.Or(white)
	}
	if c.Shelf != nil {
		c.Shelf.Color = c.Shelf.Color.Or(defaultShelf)
	}
	for i := range c.Objects {
		o := &c.Objects[i]
		if p, ok := productKinds[o.Product]; ok {
			o.Body = o.Body.Or(p.Body)
			o.Cap = o.Cap.Or(p.Cap)
			o.Label = o.Label.Or(p.Label)
		}
	}
	return c
}

// Digest returns the hex SHA-256 of the canonical JSON of the normalised
// scene: equal scenes have equal digests whatever colours were left to
// defaults and however the JSON was formatted.
func (s Scene) Digest() string {
	b, err := json.Marshal(s.Normalize())
	if err != nil {
		// Only non-finite numbers fail to marshal; name them so the digest
		// still differs from every valid scene.
		b = fmt.Appendf(nil, "unencodable scene %#v", s)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// EncodeJSON returns the scene as indented JSON followed by a newline,
// with vectors kept on one line.
func (s Scene) EncodeJSON() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode scene: %w", err)
	}
	b = numberArray.ReplaceAllFunc(b, func(m []byte) []byte {
		return append(append([]byte("["), bytes.Join(bytes.Fields(bytes.Trim(m, "[]")), []byte(" "))...), ']')
	})
	return append(b, '\n'), nil
}

// numberArray matches an array of numbers that MarshalIndent spread over
// lines (strings cannot hold raw newlines, so no string content matches).
var numberArray = regexp.MustCompile(`\[\n[ ]*-?[0-9][0-9.eE+-]*(,\n[ ]*-?[0-9][0-9.eE+-]*)*\n[ ]*\]`)

// Decode strictly decodes one scene (unknown keys and trailing data are
// errors) and validates it. Every error wraps ErrInvalidScene.
func Decode(data []byte) (Scene, error) {
	var s Scene
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Scene{}, fmt.Errorf("%w: %s", ErrInvalidScene, jsonpos.ErrorAt(data, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return Scene{}, fmt.Errorf("%w: trailing data after the scene object", ErrInvalidScene)
	}
	if err := s.Validate(); err != nil {
		return Scene{}, err
	}
	return s, nil
}

// ReadFile reads and decodes a scene file; errors name the file.
func ReadFile(path string) (Scene, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scene{}, fmt.Errorf("read scene: %w", err)
	}
	s, err := Decode(data)
	if err != nil {
		return Scene{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

package scene

import (
	"fmt"
	"math"
	"strings"
)

// Limits enforced by Validate.
const (
	MinResolution = 32  // smallest image side in pixels
	MaxResolution = 512 // largest image side in pixels
	MaxObjects    = 255 // ids must fit an 8-bit mask
	MaxLights     = 8
)

// problems collects validation failures; it prints "invalid scene: " and
// them joined by "; ", and unwraps to each of them and to ErrInvalidScene.
type problems []error

func (p problems) Error() string {
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = e.Error()
	}
	return "invalid scene: " + strings.Join(msgs, "; ")
}

func (p problems) Unwrap() []error { return append([]error{ErrInvalidScene}, p...) }

func (p *problems) addf(format string, a ...any) { *p = append(*p, fmt.Errorf(format, a...)) }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Validate reports every problem in the scene at once. The error wraps
// ErrInvalidScene (and ErrUnknownProduct when a kind is unknown); its message
// names the field or object ("object 3 (bottle-2l): ...") and the allowed
// range.
func (s Scene) Validate() error {
	var p problems
	if s.Version != Version {
		p.addf("version %d: this cgx reads scene version %d (set \"version\": %d)", s.Version, Version, Version)
	}
	if !finite(s.Ambient.Intensity) || s.Ambient.Intensity < 0 || s.Ambient.Intensity > 10 {
		p.addf("ambient intensity %v: want a number in [0, 10]", s.Ambient.Intensity)
	}
	if len(s.Lights) > MaxLights {
		p.addf("%d lights: at most %d", len(s.Lights), MaxLights)
	}
	for i, l := range s.Lights {
		if !l.Direction.finite() || l.Direction.Norm() == 0 {
			p.addf("light %d: direction %v must be finite and non-zero", i+1, l.Direction)
		}
		if !finite(l.Intensity) || l.Intensity < 0 || l.Intensity > 100 {
			p.addf("light %d: intensity %v: want a number in [0, 100]", i+1, l.Intensity)
		}
	}
	s.Camera.validate(&p)
	if s.Shelf != nil {
		s.Shelf.validate(&p)
	}
	if len(s.Objects) > MaxObjects {
		p.addf("%d objects: at most %d (mask ids are 8-bit)", len(s.Objects), MaxObjects)
	}
	for i, o := range s.Objects {
		name := fmt.Sprintf("object %d (%s)", i+1, o.Product)
		if _, err := LookupProduct(o.Product); err != nil {
			p = append(p, fmt.Errorf("object %d: %w", i+1, err))
		}
		if !o.Position.finite() || !o.Rotation.finite() {
			p.addf("%s: position %v and rotation %v must be finite numbers", name, o.Position, o.Rotation)
			continue
		}
		for a := range 3 {
			if math.Abs(o.Position[a]) > 100 {
				p.addf("%s: position %v: each coordinate must be within ±100 m", name, o.Position)
				break
			}
		}
		for a := range 3 {
			if math.Abs(o.Rotation[a]) > 3600 {
				p.addf("%s: rotation %v: each angle must be within ±3600 degrees", name, o.Rotation)
				break
			}
		}
		if s.Shelf != nil && s.Shelf.validInner() {
			if msg := s.Shelf.outside(o.Position); msg != "" {
				p.addf("%s at %v lies outside the shelf: %s", name, o.Position, msg)
			}
		}
	}
	if len(p) > 0 {
		return p
	}
	return nil
}

func (c Camera) validate(p *problems) {
	if c.Width < MinResolution || c.Width > MaxResolution || c.Height < MinResolution || c.Height > MaxResolution {
		p.addf("camera resolution %dx%d out of range: each side must be %d..%d pixels", c.Width, c.Height, MinResolution, MaxResolution)
	}
	if !finite(c.FOV) || c.FOV < 1 || c.FOV > 150 {
		p.addf("camera fov %v: want a vertical field of view in [1, 150] degrees", c.FOV)
	}
	if !c.Position.finite() || !c.Target.finite() || !finite(c.Roll) {
		p.addf("camera position %v, target %v and roll %v must be finite", c.Position, c.Target, c.Roll)
		return
	}
	if c.Target.Sub(c.Position).Norm() < 1e-6 {
		p.addf("camera target %v equals its position: the camera must look somewhere", c.Target)
	}
}

func (s Shelf) validate(p *problems) {
	check := func(name string, v, lo, hi float64) {
		if !finite(v) || v < lo || v > hi {
			p.addf("shelf %s %v: want %v..%v m", name, v, lo, hi)
		}
	}
	if !s.Position.finite() {
		p.addf("shelf position %v must be finite", s.Position)
	}
	check("width", s.Width, 0.1, 5)
	check("depth", s.Depth, 0.1, 2)
	check("level_height", s.LevelHeight, 0.05, 2)
	check("board", s.Board, 0.005, 0.1)
	if s.Levels < 1 || s.Levels > 4 {
		p.addf("shelf levels %d: want 1..4", s.Levels)
	}
}

func (s Shelf) validInner() bool {
	return s.Position.finite() && finite(s.Width) && finite(s.Depth) && finite(s.LevelHeight) &&
		finite(s.Board) && s.Levels >= 1
}

// outside explains why the point p is not inside the shelf's inner volume,
// or returns "".
func (s Shelf) outside(p Vec3) string {
	x0, x1 := s.Position[0]-float64(s.Width/2), s.Position[0]+float64(s.Width/2)
	y0, y1 := s.Position[1]-float64(s.Depth/2), s.Position[1]+float64(s.Depth/2)
	z0, z1 := s.LevelZ(0), s.Top()-s.Board
	switch {
	case p[0] < x0 || p[0] > x1:
		return fmt.Sprintf("x must be within [%.3g, %.3g]", x0, x1)
	case p[1] < y0 || p[1] > y1:
		return fmt.Sprintf("y must be within [%.3g, %.3g]", y0, y1)
	case p[2] < z0 || p[2] > z1:
		return fmt.Sprintf("z must be within [%.3g, %.3g]", z0, z1)
	}
	return ""
}

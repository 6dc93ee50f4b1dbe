package scene

import (
	"fmt"
	"sort"
	"strings"
)

// Shape is the geometric family of a product kind.
type Shape string

// Shapes.
const (
	ShapeBottle Shape = "bottle" // PET bottle: body, shoulder, neck, screw cap
	ShapeCan    Shape = "can"    // drinks can: body, tapered neck, lid ("cap")
	ShapeCarton Shape = "carton" // gable-top carton with a screw spout ("cap")
)

// ProductKind is one catalogue entry: real outer dimensions in metres, the
// label band as fractions of the height measured from the base, and the
// default colours used when an object leaves its colours unset.
type ProductKind struct {
	Name      string
	Shape     Shape
	Litres    float64
	Height    float64 // metres, base to top of cap
	Width     float64 // metres: diameter for bottles and cans, side for cartons
	LabelLow  float64 // label band start, fraction of Height from the base
	LabelHigh float64 // label band end
	Body      Color
	Cap       Color
	Label     Color
}

// Small reports whether the product holds under one litre (the shelf rule
// puts small items standing on the top level).
func (p ProductKind) Small() bool { return p.Litres < 1 }

// Extent returns the axis-aligned size (x, y, z) of the upright product.
func (p ProductKind) Extent() Vec3 { return Vec3{p.Width, p.Width, p.Height} }

// productKinds is the catalogue, keyed by name; never written after
// package initialisation.
var productKinds = func() map[string]ProductKind {
	out := map[string]ProductKind{}
	for _, p := range []ProductKind{
		{"bottle-350ml", ShapeBottle, 0.35, 0.170, 0.058, 0.30, 0.55, Hex("#6fb7d9"), Hex("#1f4fa0"), Hex("#f2f2f2")},
		{"bottle-500ml", ShapeBottle, 0.5, 0.205, 0.065, 0.30, 0.55, Hex("#7cc47f"), Hex("#2e7d32"), Hex("#e8d44d")},
		{"bottle-1.5l", ShapeBottle, 1.5, 0.310, 0.090, 0.30, 0.58, Hex("#a8d8ea"), Hex("#1565c0"), Hex("#d32f2f")},
		{"bottle-2l", ShapeBottle, 2, 0.335, 0.105, 0.30, 0.58, Hex("#5b3a29"), Hex("#b71c1c"), Hex("#d50000")},
		{"can-330ml", ShapeCan, 0.33, 0.115, 0.066, 0.12, 0.88, Hex("#b0b7bf"), Hex("#d0d4d8"), Hex("#d62828")},
		{"can-500ml", ShapeCan, 0.5, 0.168, 0.066, 0.10, 0.90, Hex("#b0b7bf"), Hex("#d0d4d8"), Hex("#1e3a8a")},
		{"carton-1l", ShapeCarton, 1, 0.245, 0.070, 0.25, 0.65, Hex("#f5f5f0"), Hex("#1e88e5"), Hex("#43a047")},
		{"carton-2l", ShapeCarton, 2, 0.300, 0.095, 0.25, 0.65, Hex("#f5f5f0"), Hex("#fb8c00"), Hex("#fdd835")},
	} {
		out[p.Name] = p
	}
	return out
}()

// ProductKinds returns the catalogue sorted by name (a fresh slice).
func ProductKinds() []ProductKind {
	out := make([]ProductKind, 0, len(productKinds))
	for _, p := range productKinds {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ProductKindNames returns the catalogue's names, sorted.
func ProductKindNames() []string {
	ks := ProductKinds()
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.Name
	}
	return names
}

// LookupProduct returns the catalogue entry for name; the error wraps
// ErrUnknownProduct and lists the known kinds.
func LookupProduct(name string) (ProductKind, error) {
	p, ok := productKinds[name]
	if !ok {
		return ProductKind{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownProduct, name, strings.Join(ProductKindNames(), ", "))
	}
	return p, nil
}

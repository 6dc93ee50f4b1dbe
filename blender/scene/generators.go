package scene

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cgx-dev/cgx/internal/seeds"
)

// Generators name the scene families a dataset can be rendered from. Each
// maps (seed, image index) to one scene and its label, independently of
// every other index.
//
//   - products: random products on the two-level shelf (1 to 3 per level,
//     standing or lying, random colours, slight camera and light jitter);
//     label: the dataset's domain name. For style sets and segmentation.
//   - exp1-lying, exp1-standing: one 500 ml bottle on a table, lying or
//     standing; position and heading are shared by the two sets for the
//     same seed and index. Labels "lying", "standing".
//   - exp2-shelf, exp2-random: six products (three under 1 L, three of
//     1 L or more) at six base positions, three per level. The shelf rule:
//     small items standing on the top level, large items lying on the
//     bottom level facing the camera. Random: the same products at the same
//     base positions in random order, each standing or lying, at random
//     headings. Base positions, object count and product set are shared by
//     the two sets for the same seed and index. Labels "shelf", "random".
var Generators = []string{"products", "exp1-lying", "exp1-standing", "exp2-shelf", "exp2-random"}

// GeneratorLabel returns the label a generator gives its images ("" = the
// domain name), and false for a generator that is not built in.
func GeneratorLabel(generator string) (label string, ok bool) {
	label, ok = generatorLabels[generator]
	return label, ok
}

var generatorLabels = map[string]string{
	"products": "", "exp1-lying": "lying", "exp1-standing": "standing",
	"exp2-shelf": "shelf", "exp2-random": "random",
}

// Generate returns scene index of a generator's family at size×size
// pixels. It depends only on its arguments.
func Generate(generator string, seed int64, index, size int) (Scene, error) {
	switch generator {
	case "products":
		return productsScene(seed, index, size), nil
	case "exp1-lying", "exp1-standing":
		return exp1Scene(seed, index, size, generator == "exp1-lying"), nil
	case "exp2-shelf", "exp2-random":
		return exp2Scene(seed, index, size, generator == "exp2-shelf"), nil
	}
	return Scene{}, fmt.Errorf("%w: unknown generator %q (known: %s)", ErrInvalidSpec, generator, strings.Join(Generators, ", "))
}

// rngFor returns a generator seeded from (seed, name, index) by name, so
// adding a draw in one family never shifts another's numbers.
func rngFor(seed int64, name string, index int) *rand.Rand {
	return rand.New(seeds.PCG(uint64(seed), fmt.Sprintf("%s/%d", name, index)))
}

func randIn(r *rand.Rand, lo, hi float64) float64 { return lo + float64((hi-lo)*r.Float64()) }

// palette holds the colours random products draw from.
var palette = []Color{
	Hex("#e53935"), Hex("#d81b60"), Hex("#8e24aa"), Hex("#3949ab"), Hex("#1e88e5"), Hex("#00acc1"),
	Hex("#43a047"), Hex("#7cb342"), Hex("#fdd835"), Hex("#fb8c00"), Hex("#6d4c41"), Hex("#f5f5f5"),
	Hex("#212121"), Hex("#90a4ae"),
}

func smallKinds() []string { return filterKinds(true) }
func largeKinds() []string { return filterKinds(false) }

func filterKinds(small bool) []string {
	var out []string
	for _, p := range ProductKinds() {
		if p.Small() == small {
			out = append(out, p.Name)
		}
	}
	return out
}

func stageScene(shelf Shelf, cam Camera) Scene {
	return Scene{Version: Version, Ambient: standardAmbient(), Lights: standardLights(), Camera: cam, Shelf: &shelf}
}

// slotX returns the centre of slot k of n across the shelf.
func slotX(s Shelf, k, n int) float64 { return shelfSlots(s, n)[k] }

func productsScene(seed int64, index, size int) Scene {
	r := rngFor(seed, "products", index)
	s := stageScene(StandardShelf, ShelfCamera(size))
	s.Camera.Position = s.Camera.Position.Add(Vec3{randIn(r, -0.05, 0.05), randIn(r, -0.05, 0.05), randIn(r, -0.04, 0.04)})
	for i := range s.Lights {
		s.Lights[i].Intensity *= randIn(r, 0.85, 1.15)
	}
	kinds := ProductKindNames()
	for level := range 2 {
		n := 1 + r.IntN(3)
		slot := s.Shelf.Width / float64(n)
		for k := range n {
			p := productKinds[kinds[r.IntN(len(kinds))]]
			o := Object{Product: p.Name}
			if r.IntN(2) == 0 {
				o.Body, o.Cap, o.Label = palette[r.IntN(len(palette))], palette[r.IntN(len(palette))], palette[r.IntN(len(palette))]
			}
			switch {
			case r.IntN(2) == 0:
				o.Rotation = Vec3{0, 0, randIn(r, -180, 180)}
			case p.Height < slot-0.02 && r.IntN(2) == 0:
				o.Rotation = Vec3{90, 0, 90 + randIn(r, -10, 10)} // lying sideways
			default:
				o.Rotation = Vec3{90, 0, randIn(r, -20, 20)} // lying, top towards the camera
			}
			o.Position = Vec3{slotX(*s.Shelf, k, n) + float64(randIn(r, -0.2, 0.2)*(slot-0.12)), randIn(r, -0.05, 0.05), 0}
			o.Position[2] = RestingZ(o, s.Shelf.LevelZ(level))
			s.Objects = append(s.Objects, o)
		}
	}
	return s
}

func exp1Scene(seed int64, index, size int, lying bool) Scene {
	r := rngFor(seed, "exp1-base", index) // shared by both sets
	table := StandardTable
	s := stageScene(table, TableCamera(size))
	o := Object{Product: "bottle-500ml"}
	x, y, heading := randIn(r, -0.12, 0.12), randIn(r, -0.1, 0.1), randIn(r, -180, 180)
	if lying {
		o.Rotation = Vec3{90, 0, heading}
	} else {
		o.Rotation = Vec3{0, 0, heading}
	}
	o.Position = Vec3{x, y, 0}
	o.Position[2] = RestingZ(o, table.LevelZ(0))
	s.Objects = []Object{o}
	return s
}

// exp2Base is what the two experiment-2 sets share for one index.
type exp2Base struct {
	small, large []string // three product kinds each
	pos          [6]Vec3  // base positions: 0..2 top level, 3..5 bottom level (z unset)
}

const exp2Slots = 3

func newExp2Base(seed int64, index int) exp2Base {
	r := rngFor(seed, "exp2-base", index)
	var b exp2Base
	sk, lk := smallKinds(), largeKinds()
	for range exp2Slots {
		b.small = append(b.small, sk[r.IntN(len(sk))])
		b.large = append(b.large, lk[r.IntN(len(lk))])
	}
	for i := range b.pos {
		b.pos[i] = Vec3{slotX(StandardShelf, i%exp2Slots, exp2Slots) + randIn(r, -0.005, 0.005), randIn(r, -0.03, 0.03), 0}
	}
	return b
}

// exp2Level returns the shelf level of base position i.
func exp2Level(i int) int {
	if i < exp2Slots {
		return 1
	}
	return 0
}

func exp2Scene(seed int64, index, size int, rule bool) Scene {
	b := newExp2Base(seed, index)
	s := stageScene(StandardShelf, ShelfCamera(size))
	var objs [6]Object
	if rule {
		r := rngFor(seed, "exp2-shelf", index)
		for i := range exp2Slots {
			objs[i] = Object{Product: b.small[i], Rotation: Vec3{0, 0, randIn(r, -15, 15)}}
			objs[exp2Slots+i] = Object{Product: b.large[i], Rotation: Vec3{90, 0, randIn(r, -5, 5)}}
		}
	} else {
		r := rngFor(seed, "exp2-random", index)
		kinds := slices.Concat(b.small, b.large)
		r.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
		for i, k := range kinds {
			if r.IntN(2) == 0 {
				objs[i] = Object{Product: k, Rotation: Vec3{0, 0, randIn(r, -180, 180)}}
			} else {
				objs[i] = Object{Product: k, Rotation: Vec3{90, 0, randIn(r, -25, 25)}}
			}
		}
	}
	for i := range objs {
		objs[i].Position = b.pos[i]
		objs[i].Position[2] = RestingZ(objs[i], s.Shelf.LevelZ(exp2Level(i)))
	}
	s.Objects = objs[:]
	return s
}

package seg

import (
	"math"
	"math/rand/v2"
)

// synthSet draws n images of size x size: a noisy, smoothly shaded
// background and 2 to 4 objects (filled rectangles and ellipses, each in
// one random colour with a little noise, later ones occluding earlier ones,
// some touching). It returns the images and their instance id maps.
func synthSet(seed uint64, n, size int) (*Pixels, *LabelMaps) {
	rng := rand.New(rand.NewPCG(seed, 0x73796e74))
	px := &Pixels{H: size, W: size}
	lm := &LabelMaps{H: size, W: size}
	for i := 0; i < n; i++ {
		img := make([]float32, InputChannels*size*size)
		labels := make([]int32, size*size)
		var bg [3]float64
		for c := range bg {
			bg[c] = 0.2 + 0.6*rng.Float64()
		}
		gx, gy := rng.Float64()*0.3-0.15, rng.Float64()*0.3-0.15
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				for c := 0; c < 3; c++ {
					v := bg[c] + gx*float64(x)/float64(size) + gy*float64(y)/float64(size) + 0.08*rng.NormFloat64()
					img[c*size*size+y*size+x] = float32(clamp01(v))
				}
			}
		}
		objs := 2 + rng.IntN(3)
		for o := 1; o <= objs; o++ {
			var col [3]float64
			for c := range col {
				col[c] = rng.Float64()
			}
			// keep objects distinguishable from the background
			if math.Abs(col[0]-bg[0])+math.Abs(col[1]-bg[1])+math.Abs(col[2]-bg[2]) < 0.6 {
				for c := range col {
					col[c] = 1 - bg[c]
				}
			}
			rw := 5 + rng.IntN(size/4)
			rh := 5 + rng.IntN(size/4)
			cx, cy := rng.IntN(size), rng.IntN(size)
			ellipse := rng.IntN(2) == 0
			for y := max(0, cy-rh); y < min(size, cy+rh+1); y++ {
				for x := max(0, cx-rw); x < min(size, cx+rw+1); x++ {
					dx, dy := float64(x-cx)/float64(rw), float64(y-cy)/float64(rh)
					if ellipse && dx*dx+dy*dy > 1 {
						continue
					}
					labels[y*size+x] = int32(o)
					for c := 0; c < 3; c++ {
						img[c*size*size+y*size+x] = float32(clamp01(col[c] + 0.05*rng.NormFloat64()))
					}
				}
			}
		}
		px.Images = append(px.Images, img)
		lm.Maps = append(lm.Maps, labels)
	}
	return px, lm
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

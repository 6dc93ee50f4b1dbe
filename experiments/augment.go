package experiments

import (
	"fmt"
	"strconv"

	"github.com/cgx-dev/cgx/internal/seeds"
	"github.com/cgx-dev/cgx/ml/manip"
)

// AugmentSet is the segmentation training set of random augmentation, the
// seed's named alternative to fitted manipulations: every epoch, every
// training image gets a fresh exposure, brightness/contrast, blur and noise
// drawn uniformly from fixed ranges (AugmentRanges), seeded per set, seed,
// epoch and image (docs/SEGMENTATION.md).
const AugmentSet = "augment"

// augmentRange is one randomly drawn parameter: uniform on [Low, High].
type augmentRange struct {
	Name      string  `json:"name"`
	Low, High float64 `json:"-"`
}

// AugmentRanges are the fixed ranges of random augmentation, in application
// order, named as the manipulations' parameters (docs/MANIPULATIONS.md):
// exposure in stops, one brightness offset and one contrast gain for all
// three channels, a Gaussian blur sigma in pixels, a noise level. They are
// ranges a practitioner would pick without measuring the gap, wide enough
// to cover the default planted cg-to-real gap in every cue (green contrast
// -0.074 and brightness -0.019, blur 0.9 px, sensor noise about 0.03), in
// both directions where a cue has two, applied to every channel alike.
var AugmentRanges = []augmentRange{
	{Name: "exposure", Low: -0.5, High: 0.5},
	{Name: "brightness", Low: -0.05, High: 0.05},
	{Name: "contrast", Low: -0.2, High: 0.2},
	{Name: "sigma", Low: 0, High: 1.2},
	{Name: "noise_std", Low: 0, High: 0.04},
}

// augmentKey describes random augmentation in a stage key.
func augmentKey() string {
	s := "random"
	for _, r := range AugmentRanges {
		s += fmt.Sprintf(" %s=[%g,%g]", r.Name, r.Low, r.High)
	}
	return s
}

// augmenter changes one training image before an epoch trains on it (the
// shape of seg.TrainConfig.Augment). Its draws depend only on its seed and
// the (epoch, image) it is called for.
type augmenter func(epoch, index int, img []float32) error

// randomAugmenter returns the random augmentation of images size x size,
// seeded by seed: image index of epoch e draws from the child stream
// "augment/epoch-<e>/image-<index>".
func randomAugmenter(seed int64, size int) (augmenter, error) {
	ms := map[string]manip.Manipulation{}
	for _, name := range []string{"exposure", "brightness-contrast", "blur", "noise"} {
		m, err := manip.Lookup(name, manip.Options{})
		if err != nil {
			return nil, err
		}
		ms[name] = m
	}
	return func(epoch, index int, img []float32) error {
		name := "augment/epoch-" + strconv.Itoa(epoch) + "/image-" + strconv.Itoa(index)
		src := seeds.PCG(uint64(seed), name)
		v := make(map[string]float64, len(AugmentRanges))
		for _, r := range AugmentRanges {
			u := float64(src.Uint64()>>11) / (1 << 53)
			v[r.Name] = r.Low + float64((r.High-r.Low)*u)
		}
		b, c := v["brightness"], v["contrast"]
		steps := []struct {
			m      string
			values []float64
		}{
			{"exposure", []float64{v["exposure"]}},
			{"brightness-contrast", []float64{b, b, b, c, c, c}},
			{"blur", []float64{v["sigma"]}},
			{"noise", []float64{0, v["noise_std"]}},
		}
		tmp := make([]float32, len(img))
		for _, s := range steps {
			copy(tmp, img)
			if err := ms[s.m].Apply(img, tmp, size, size, s.values, childSeed(seed, name)); err != nil {
				return fmt.Errorf("augment %s: %w", s.m, err)
			}
		}
		return nil
	}, nil
}

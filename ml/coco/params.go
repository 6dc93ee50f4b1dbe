package coco

// Params are COCOeval's evaluation settings. Only DefaultParams is supported
// by Evaluate; the type exists so reports can label thresholds and ranges.
type Params struct {
	// IoUThrs are the IoU thresholds, .50:.05:.95 as numpy.linspace makes them.
	IoUThrs []float64
	// RecThrs are the 101 recall points 0:.01:1 as numpy.linspace makes them.
	RecThrs []float64
	// MaxDets are the detection limits per image, ascending.
	MaxDets []int
	// AreaRng are the object area ranges, inclusive at both ends, labelled by
	// AreaLbl: all, small, medium, large.
	AreaRng [][2]float64
	AreaLbl []string
}

// DefaultParams returns COCOeval's defaults for iouType "segm".
func DefaultParams() Params {
	return Params{
		IoUThrs: linspace(.5, 0.95, 10),
		RecThrs: linspace(0, 1, 101),
		MaxDets: []int{1, 10, 100},
		AreaRng: [][2]float64{{0, 1e5 * 1e5}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e5 * 1e5}},
		AreaLbl: []string{"all", "small", "medium", "large"},
	}
}

// linspace reproduces numpy.linspace(start, stop, num) bit for bit:
// step = (stop-start)/(num-1), value i = i*step + start, the last value set
// to stop. The float64 conversion keeps the product rounded before the sum
// (no fused multiply-add), as numpy computes it.
func linspace(start, stop float64, num int) []float64 {
	out := make([]float64, num)
	step := (stop - start) / float64(num-1)
	for i := range out {
		out[i] = float64(float64(i)*step) + start
	}
	out[num-1] = stop
	return out
}

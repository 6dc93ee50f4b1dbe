package reports

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// interval is a mean over seeds with its two-sided 95% Student-t interval,
// mean ± t(0.975, n−1)·s/√n (s the sample standard deviation). With one
// value the interval is unknown (NaN bounds); with none the mean is NaN too.
type interval struct {
	n              int
	mean, low, hig float64
}

func tInterval(xs []float64) interval {
	iv := interval{n: len(xs), mean: mean(xs), low: math.NaN(), hig: math.NaN()}
	if len(xs) < 2 {
		return iv
	}
	var ss float64
	for _, x := range xs {
		d := x - iv.mean
		ss += d * d
	}
	sd := math.Sqrt(ss / float64(len(xs)-1))
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(xs) - 1)}.Quantile(0.975)
	half := q * sd / math.Sqrt(float64(len(xs)))
	iv.low, iv.hig = iv.mean-half, iv.mean+half
	return iv
}

package style

import "os"

// styleSIMD reports whether Apply's sensor noise runs two values at a time
// (sensor_amd64.s; SSE2, which every amd64 CPU has). CGX_SIMD=off turns it
// off; the values are the same bits either way.
var styleSIMD = os.Getenv("CGX_SIMD") != "off"

//go:noescape
func sensorNoiseSSE(ch []float32, nz *float64, shot, read2 float64)

// sensorNoiseVec adds the sensor noise to the first len(ch)&^1 values as
// Apply's loop does and returns how many.
func sensorNoiseVec(ch []float32, nz []float64, shot, read2 float64) int {
	n := len(ch) &^ 1
	if !styleSIMD || n == 0 || len(nz) < n {
		return 0
	}
	sensorNoiseSSE(ch[:n], &nz[0], shot, read2)
	return n
}

//go:build !amd64

package style

// blurSIMD is false: blur runs its Go loops only.
const blurSIMD = false

func blurCols7Vec(out, rows []float32, k *[7]float32) int { return 0 }

func blurRow7Vec(out, row []float32, k *[7]float32) int { return 0 }

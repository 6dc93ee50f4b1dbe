//go:build !amd64

package imageio

func paethVec(out, cur, a, b, c []byte) int { return 0 }

package gemm

import "strings"

// normName lower-cases a kernel name and drops dashes.
func normName(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "")
}

// Go returns the pure-Go micro-kernel, used on every CPU when SIMD is off.
func Go() Kernel { return goKernel }

// goKernel is the pure-Go micro-kernel: a 4×4 tile held in 16 variables,
// on packed A and B (so each step reads two 4-value arrays, with one
// bounds check each). Each product is converted to float32 before it is
// added, which forbids the compiler from fusing the multiply and the add
// (Go may otherwise fuse x*y+z on arm64, and on amd64 from GOAMD64=v3).
var goKernel = Kernel{Name: "Go", mr: 4, nr: 4, packA: true, fn: kernelGo4x4}

func kernelGo4x4(kc int, as, bs strip, c []float32, ldc int, zero bool) {
	r0 := c[0:4:4]
	r1 := c[ldc : ldc+4 : ldc+4]
	r2 := c[2*ldc : 2*ldc+4 : 2*ldc+4]
	r3 := c[3*ldc : 3*ldc+4 : 3*ldc+4]
	c00, c01, c02, c03 := r0[0], r0[1], r0[2], r0[3]
	c10, c11, c12, c13 := r1[0], r1[1], r1[2], r1[3]
	c20, c21, c22, c23 := r2[0], r2[1], r2[2], r2[3]
	c30, c31, c32, c33 := r3[0], r3[1], r3[2], r3[3]
	if zero {
		c00, c01, c02, c03 = 0, 0, 0, 0
		c10, c11, c12, c13 = 0, 0, 0, 0
		c20, c21, c22, c23 = 0, 0, 0, 0
		c30, c31, c32, c33 = 0, 0, 0, 0
	}
	if as.rs != 1 || as.ps != 4 || bs.ps != 4 {
		panic("gemm: the Go kernel needs packed strips")
	}
	av, bv := as.v[:4*kc], bs.v[:4*kc]
	for p := 0; p+4 <= len(av) && p+4 <= len(bv); p += 4 {
		a := (*[4]float32)(av[p : p+4])
		b := (*[4]float32)(bv[p : p+4])
		a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += float32(a0 * b0)
		c01 += float32(a0 * b1)
		c02 += float32(a0 * b2)
		c03 += float32(a0 * b3)
		c10 += float32(a1 * b0)
		c11 += float32(a1 * b1)
		c12 += float32(a1 * b2)
		c13 += float32(a1 * b3)
		c20 += float32(a2 * b0)
		c21 += float32(a2 * b1)
		c22 += float32(a2 * b2)
		c23 += float32(a2 * b3)
		c30 += float32(a3 * b0)
		c31 += float32(a3 * b1)
		c32 += float32(a3 * b2)
		c33 += float32(a3 * b3)
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
	r2[0], r2[1], r2[2], r2[3] = c20, c21, c22, c23
	r3[0], r3[1], r3[2], r3[3] = c30, c31, c32, c33
}

func copyRows16Go(dst, src []float32, rows, ld int) {
	for p := 0; p < rows; p++ {
		*(*[16]float32)(dst[p*16 : p*16+16]) = *(*[16]float32)(src[p*ld : p*ld+16])
	}
}

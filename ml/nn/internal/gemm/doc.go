// Package gemm is cgx's portable single-precision matrix multiply: one
// blocked driver (packing, cache blocking) and micro-kernels in Go and in
// Go assembly, chosen by the caller. Its result is defined element by
// element, independently of tiling, vector width and CPU:
//
//	c ← 0 if beta == 0, c if beta == 1, float32(beta·c) otherwise
//	for p = 0, 1, …, k−1 in that order:
//	    c ← c + float32(a'[i,p]·b[p,j])
//
// where a' = a when alpha == 1 and float32(alpha·a) otherwise. Every
// product is rounded to float32 before it is added (no fused multiply-add
// on any path), so every kernel, which vectorises across j and never splits
// the sum over p, gives the same bits.
//
// # Kernels
//
// Go (4×4, any architecture), AVX2 (6×16, amd64) and AVX-512 (8×32, amd64);
// Best picks AVX2 where the CPU has it, Named any by name. Each is checked
// bit for bit against the defining loop (TestKernelsMatchDefinition).
//
// # Caveats
//
//   - The caller checks operand sizes (the kernels bounds-check the strips
//     they touch, so a mistake panics rather than corrupting memory).
//   - NaN payloads are not specified.
//   - This is a separate package from nn because Go assembly cannot live in
//     a package that uses cgo.
package gemm

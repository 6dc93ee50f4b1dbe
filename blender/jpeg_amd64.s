#include "textflag.h"

// func mul8SSE(out, a, b *[64]float64)
// out[i][j] = Σ_k a[i][k]·b[k][j] for 8×8 row-major matrices: every sum
// starts at +0 and adds its products in k order, two j at a time (MULPD
// and ADDPD are IEEE operations per lane, like MULSD and ADDSD). Zero
// coefficients are not skipped (a branch per term costs more than the
// term); their products are zeros, which leave a sum that starts at +0
// unchanged (it is never -0), so this is also the sparse Go form's value.
TEXT ·mul8SSE(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ $8, CX
row:
	XORPD X0, X0
	XORPD X1, X1
	XORPD X2, X2
	XORPD X3, X3
	XORQ AX, AX
	MOVQ DX, R9
term:
	MOVSD (SI)(AX*1), X4
	UNPCKLPD X4, X4
	MOVUPD 0(R9), X5
	MULPD X4, X5
	ADDPD X5, X0
	MOVUPD 16(R9), X5
	MULPD X4, X5
	ADDPD X5, X1
	MOVUPD 32(R9), X5
	MULPD X4, X5
	ADDPD X5, X2
	MOVUPD 48(R9), X5
	MULPD X4, X5
	ADDPD X5, X3
	ADDQ $64, R9
	ADDQ $8, AX
	CMPQ AX, $64
	JLT term
	MOVUPD X0, 0(DI)
	MOVUPD X1, 16(DI)
	MOVUPD X2, 32(DI)
	MOVUPD X3, 48(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ row
	RET

// func quantizeSSE(out, coef, t, inv *[64]float64) bool
// out[k] = Copysign(n, coef[k])·t[k], n = (q + 1.5·2^52) - 1.5·2^52 and
// q = coef[k]·inv[k], two coefficients at a time (SSE2): quantize's fast
// path, per lane the same operations. It reports false, leaving out
// partly written, when some coefficient fails the fast path's conditions
// (|q| < 2^30 and |q - n| < 0.4999), for the caller to run quantize.
TEXT ·quantizeSSE(SB), NOSPLIT, $0-33
	MOVQ out+0(FP), DI
	MOVQ coef+8(FP), SI
	MOVQ t+16(FP), DX
	MOVQ inv+24(FP), R8
	MOVQ $0x7fffffffffffffff, AX
	MOVQ AX, X10
	UNPCKLPD X10, X10 // |x| mask
	MOVQ $0x8000000000000000, AX
	MOVQ AX, X11
	UNPCKLPD X11, X11 // sign mask
	MOVQ $0x4338000000000000, AX
	MOVQ AX, X12
	UNPCKLPD X12, X12 // 1.5·2^52
	MOVQ $0x41d0000000000000, AX
	MOVQ AX, X13
	UNPCKLPD X13, X13 // 2^30
	MOVQ $0x3fdffe5c91d14e3c, AX
	MOVQ AX, X14
	UNPCKLPD X14, X14 // 0.4999
	XORQ AX, AX
loop:
	CMPQ AX, $512
	JGE ok
	MOVUPD (SI)(AX*1), X0 // c
	MOVUPD (R8)(AX*1), X1
	MULPD X0, X1 // q = c·inv
	MOVAPD X1, X2
	ADDPD X12, X2
	SUBPD X12, X2 // n
	MOVAPD X1, X3
	ANDPD X10, X3 // |q|
	CMPPD X13, X3, 1 // |q| < 2^30
	MOVAPD X1, X4
	SUBPD X2, X4
	ANDPD X10, X4 // |q - n|
	CMPPD X14, X4, 1 // |q - n| < 0.4999
	ANDPD X4, X3
	MOVMSKPD X3, BX
	CMPQ BX, $3
	JNE fail
	ANDPD X10, X2 // |n|
	ANDPD X11, X0 // sign of c
	ORPD X0, X2 // Copysign(n, c)
	MOVUPD (DX)(AX*1), X5
	MULPD X5, X2
	MOVUPD X2, (DI)(AX*1)
	ADDQ $16, AX
	JMP loop
ok:
	MOVB $1, ret+32(FP)
	RET
fail:
	MOVB $0, ret+32(FP)
	RET

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

#include "textflag.h"

// Packed single-precision forms of blur's 7-tap loops: four outputs per
// step, each lane computing exactly what the Go loop computes for its
// pixel (a sum from +0 of the products k[i]·x[i], each product and each
// sum rounded to float32, in tap order). MULPS and ADDPS are IEEE
// operations per lane, like MULSS and ADDSS.

// func blurCols7SSE(out []float32, rows *float32, stride int, k *[7]float32)
// out[x] = Σ_i k[i]·rows[i·stride + x] for x < len(out), len(out) a
// multiple of 4.
TEXT ·blurCols7SSE(SB), NOSPLIT, $0-48
	MOVQ out_base+0(FP), DI
	MOVQ out_len+8(FP), BX
	MOVQ rows+24(FP), SI
	MOVQ stride+32(FP), R8
	MOVQ k+40(FP), DX
	SHLQ $2, R8
	MOVSS 0(DX), X8
	SHUFPS $0, X8, X8
	MOVSS 4(DX), X9
	SHUFPS $0, X9, X9
	MOVSS 8(DX), X10
	SHUFPS $0, X10, X10
	MOVSS 12(DX), X11
	SHUFPS $0, X11, X11
	MOVSS 16(DX), X12
	SHUFPS $0, X12, X12
	MOVSS 20(DX), X13
	SHUFPS $0, X13, X13
	MOVSS 24(DX), X14
	SHUFPS $0, X14, X14
	SHRQ $2, BX
	XORQ AX, AX
cols:
	TESTQ BX, BX
	JZ colsdone
	LEAQ (SI)(AX*1), R9
	XORPS X0, X0
	MOVUPS (R9), X1
	MULPS X8, X1
	ADDPS X1, X0
	ADDQ R8, R9
	MOVUPS (R9), X1
	MULPS X9, X1
	ADDPS X1, X0
	ADDQ R8, R9
	MOVUPS (R9), X1
	MULPS X10, X1
	ADDPS X1, X0
	ADDQ R8, R9
	MOVUPS (R9), X1
	MULPS X11, X1
	ADDPS X1, X0
	ADDQ R8, R9
	MOVUPS (R9), X1
	MULPS X12, X1
	ADDPS X1, X0
	ADDQ R8, R9
	MOVUPS (R9), X1
	MULPS X13, X1
	ADDPS X1, X0
	ADDQ R8, R9
	MOVUPS (R9), X1
	MULPS X14, X1
	ADDPS X1, X0
	MOVUPS X0, (DI)(AX*1)
	ADDQ $16, AX
	DECQ BX
	JMP cols
colsdone:
	RET

// func blurRow7SSE(out []float32, row *float32, k *[7]float32)
// out[x] = Σ_i k[i]·row[x + i] for x < len(out), len(out) a multiple of
// 4 (row holds len(out)+6 values).
TEXT ·blurRow7SSE(SB), NOSPLIT, $0-40
	MOVQ out_base+0(FP), DI
	MOVQ out_len+8(FP), BX
	MOVQ row+24(FP), SI
	MOVQ k+32(FP), DX
	MOVSS 0(DX), X8
	SHUFPS $0, X8, X8
	MOVSS 4(DX), X9
	SHUFPS $0, X9, X9
	MOVSS 8(DX), X10
	SHUFPS $0, X10, X10
	MOVSS 12(DX), X11
	SHUFPS $0, X11, X11
	MOVSS 16(DX), X12
	SHUFPS $0, X12, X12
	MOVSS 20(DX), X13
	SHUFPS $0, X13, X13
	MOVSS 24(DX), X14
	SHUFPS $0, X14, X14
	SHRQ $2, BX
	XORQ AX, AX
rows:
	TESTQ BX, BX
	JZ rowsdone
	LEAQ (SI)(AX*1), R9
	XORPS X0, X0
	MOVUPS 0(R9), X1
	MULPS X8, X1
	ADDPS X1, X0
	MOVUPS 4(R9), X1
	MULPS X9, X1
	ADDPS X1, X0
	MOVUPS 8(R9), X1
	MULPS X10, X1
	ADDPS X1, X0
	MOVUPS 12(R9), X1
	MULPS X11, X1
	ADDPS X1, X0
	MOVUPS 16(R9), X1
	MULPS X12, X1
	ADDPS X1, X0
	MOVUPS 20(R9), X1
	MULPS X13, X1
	ADDPS X1, X0
	MOVUPS 24(R9), X1
	MULPS X14, X1
	ADDPS X1, X0
	MOVUPS X0, (DI)(AX*1)
	ADDQ $16, AX
	DECQ BX
	JMP rows
rowsdone:
	RET

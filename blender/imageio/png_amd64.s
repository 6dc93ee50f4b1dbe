#include "textflag.h"

// func paethSSE(out, cur, a, b, c *byte, n int)
// out[i] = cur[i] - paeth(a[i], b[i], c[i]) for i < n, n a multiple of 8,
// eight bytes at a time in 16-bit lanes (SSE2): pa = |b-c|, pb = |a-c|,
// pc = |a+b-2c|; a if pa <= pb and pa <= pc, else b if pb <= pc, else c,
// exactly paethRow's choice.
TEXT ·paethSSE(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ cur+8(FP), SI
	MOVQ a+16(FP), R8
	MOVQ b+24(FP), R9
	MOVQ c+32(FP), R10
	MOVQ n+40(FP), CX
	PXOR X15, X15
	XORQ AX, AX
loop:
	CMPQ AX, CX
	JGE done
	MOVQ (R8)(AX*1), X0
	PUNPCKLBW X15, X0 // a
	MOVQ (R9)(AX*1), X1
	PUNPCKLBW X15, X1 // b
	MOVQ (R10)(AX*1), X2
	PUNPCKLBW X15, X2 // c
	MOVO X1, X3
	PSUBW X2, X3 // b - c
	MOVO X0, X4
	PSUBW X2, X4 // a - c
	MOVO X3, X5
	PADDW X4, X5 // a + b - 2c
	// absolute values: max(x, 0-x)
	PXOR X6, X6
	PSUBW X3, X6
	PMAXSW X6, X3 // pa
	PXOR X6, X6
	PSUBW X4, X6
	PMAXSW X6, X4 // pb
	PXOR X6, X6
	PSUBW X5, X6
	PMAXSW X6, X5 // pc
	// m1 = !(pa > pb) && !(pa > pc): lanes choosing a
	MOVO X3, X6
	PCMPGTW X4, X6
	MOVO X3, X7
	PCMPGTW X5, X7
	POR X7, X6 // not a
	// m2 = !(pb > pc): lanes choosing b over c
	MOVO X4, X8
	PCMPGTW X5, X8 // c over b
	// t = c where X8 set, else b
	MOVO X8, X9
	PAND X2, X9
	PANDN X1, X8
	POR X9, X8 // t
	// pred = t where X6 set, else a
	MOVO X6, X9
	PAND X8, X9
	PANDN X0, X6
	POR X9, X6 // pred
	PACKUSWB X15, X6
	MOVQ (SI)(AX*1), X10
	PSUBB X6, X10
	MOVQ X10, (DI)(AX*1)
	ADDQ $8, AX
	JMP loop
done:
	RET

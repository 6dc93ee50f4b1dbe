#include "textflag.h"

// func sensorNoiseSSE(ch []float32, nz *float64, shot, read2 float64)
// ch[i] += float32(sqrt(shot·max(float64(ch[i]), 0) + read2)·nz[i]) for
// i < len(ch), len(ch) even, two values at a time (SSE2). Every operation
// is the one Apply's Go loop performs, per lane: a rounded product, a
// rounded sum, a correctly rounded square root, a rounded product, the
// conversion to float32 and a float32 sum. MAXPD gives +0 for -0 and for
// NaN (Go's max gives NaN), and a NaN value stays NaN after its sum.
TEXT ·sensorNoiseSSE(SB), NOSPLIT, $0-48
	MOVQ ch_base+0(FP), DI
	MOVQ ch_len+8(FP), CX
	MOVQ nz+24(FP), SI
	MOVSD shot+32(FP), X8
	UNPCKLPD X8, X8
	MOVSD read2+40(FP), X9
	UNPCKLPD X9, X9
	XORPD X10, X10
	SHRQ $1, CX
	XORQ AX, AX
loop:
	TESTQ CX, CX
	JZ done
	MOVSD (DI)(AX*4), X0 // two float32s
	CVTPS2PD X0, X1
	MAXPD X10, X1
	MULPD X8, X1
	ADDPD X9, X1
	SQRTPD X1, X1
	MOVUPD (SI)(AX*8), X2
	MULPD X2, X1
	CVTPD2PS X1, X1
	ADDPS X1, X0
	MOVSD X0, (DI)(AX*4)
	ADDQ $2, AX
	DECQ CX
	JMP loop
done:
	RET

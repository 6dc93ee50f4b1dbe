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

// Constants of the JPEG step's colour conversions, each twice (one per
// lane): 255, 0.299, 0.587, 0.114, 128, -0.168736, 0.331264, 0.5, 0.418688,
// 0.081312, 1.402, 0.344136, 0.714136, 1.772 (the float64s Go makes of the
// same literals).
DATA yccK<>+0(SB)/8, $0x406fe00000000000 // 255.0
DATA yccK<>+8(SB)/8, $0x406fe00000000000
DATA yccK<>+16(SB)/8, $0x3fd322d0e5604189 // 0.299
DATA yccK<>+24(SB)/8, $0x3fd322d0e5604189
DATA yccK<>+32(SB)/8, $0x3fe2c8b439581062 // 0.587
DATA yccK<>+40(SB)/8, $0x3fe2c8b439581062
DATA yccK<>+48(SB)/8, $0x3fbd2f1a9fbe76c9 // 0.114
DATA yccK<>+56(SB)/8, $0x3fbd2f1a9fbe76c9
DATA yccK<>+64(SB)/8, $0x4060000000000000 // 128.0
DATA yccK<>+72(SB)/8, $0x4060000000000000
DATA yccK<>+80(SB)/8, $0xbfc5992428d434a0 // -0.168736
DATA yccK<>+88(SB)/8, $0xbfc5992428d434a0
DATA yccK<>+96(SB)/8, $0x3fd5336deb95e5b0 // 0.331264
DATA yccK<>+104(SB)/8, $0x3fd5336deb95e5b0
DATA yccK<>+112(SB)/8, $0x3fe0000000000000 // 0.5
DATA yccK<>+120(SB)/8, $0x3fe0000000000000
DATA yccK<>+128(SB)/8, $0x3fdacbc8c0ce91c9 // 0.418688
DATA yccK<>+136(SB)/8, $0x3fdacbc8c0ce91c9
DATA yccK<>+144(SB)/8, $0x3fb4d0dcfcc5b8dc // 0.081312
DATA yccK<>+152(SB)/8, $0x3fb4d0dcfcc5b8dc
DATA yccK<>+160(SB)/8, $0x3ff66e978d4fdf3b // 1.402
DATA yccK<>+168(SB)/8, $0x3ff66e978d4fdf3b
DATA yccK<>+176(SB)/8, $0x3fd6065300581494 // 0.344136
DATA yccK<>+184(SB)/8, $0x3fd6065300581494
DATA yccK<>+192(SB)/8, $0x3fe6da33bd9cae21 // 0.714136
DATA yccK<>+200(SB)/8, $0x3fe6da33bd9cae21
DATA yccK<>+208(SB)/8, $0x3ffc5a1cac083127 // 1.772
DATA yccK<>+216(SB)/8, $0x3ffc5a1cac083127
GLOBL yccK<>(SB), RODATA|NOPTR, $224

// func yccBlockSSE(ycc *[3][64]float64, rr, gg, bb *float32, stride int)
// Converts the 8×8 block at rr, gg, bb (rows stride float32s apart) to
// YCbCr as jpeg's Go loop does, two pixels at a time (SSE2): per lane the
// same rounded products, in the same order of sums and differences.
TEXT ·yccBlockSSE(SB), NOSPLIT, $0-40
	MOVQ ycc+0(FP), DI
	MOVQ rr+8(FP), R8
	MOVQ gg+16(FP), R9
	MOVQ bb+24(FP), R10
	MOVQ stride+32(FP), R11
	SHLQ $2, R11
	MOVUPD yccK<>+0(SB), X8
	MOVUPD yccK<>+16(SB), X9
	MOVUPD yccK<>+32(SB), X10
	MOVUPD yccK<>+48(SB), X11
	MOVUPD yccK<>+64(SB), X12
	MOVUPD yccK<>+80(SB), X13
	MOVUPD yccK<>+96(SB), X14
	MOVUPD yccK<>+112(SB), X15
	MOVQ $8, CX
frow:
	XORQ AX, AX
fpair:
	MOVSD (R8)(AX*4), X0
	CVTPS2PD X0, X0
	MULPD X8, X0 // r
	MOVSD (R9)(AX*4), X1
	CVTPS2PD X1, X1
	MULPD X8, X1 // g
	MOVSD (R10)(AX*4), X2
	CVTPS2PD X2, X2
	MULPD X8, X2 // b
	// Y = 0.299r + 0.587g + 0.114b - 128
	MOVAPD X0, X3
	MULPD X9, X3
	MOVAPD X1, X4
	MULPD X10, X4
	ADDPD X4, X3
	MOVAPD X2, X4
	MULPD X11, X4
	ADDPD X4, X3
	SUBPD X12, X3
	MOVUPD X3, 0(DI)(AX*8)
	// Cb = -0.168736r - 0.331264g + 0.5b
	MOVAPD X0, X3
	MULPD X13, X3
	MOVAPD X1, X4
	MULPD X14, X4
	SUBPD X4, X3
	MOVAPD X2, X4
	MULPD X15, X4
	ADDPD X4, X3
	MOVUPD X3, 512(DI)(AX*8)
	// Cr = 0.5r - 0.418688g - 0.081312b
	MOVAPD X0, X3
	MULPD X15, X3
	MOVUPD yccK<>+128(SB), X5
	MOVAPD X1, X4
	MULPD X5, X4
	SUBPD X4, X3
	MOVUPD yccK<>+144(SB), X5
	MOVAPD X2, X4
	MULPD X5, X4
	SUBPD X4, X3
	MOVUPD X3, 1024(DI)(AX*8)
	ADDQ $2, AX
	CMPQ AX, $8
	JLT fpair
	ADDQ R11, R8
	ADDQ R11, R9
	ADDQ R11, R10
	ADDQ $64, DI
	DECQ CX
	JNZ frow
	RET

// func yccBackSSE(ycc *[3][64]float64, rr, gg, bb *float32, stride int)
// Converts the block back to RGB planes as jpeg's Go loop does, two
// pixels at a time (SSE2): the same products, sums, differences, division
// by 255 and conversion to float32 per lane.
TEXT ·yccBackSSE(SB), NOSPLIT, $0-40
	MOVQ ycc+0(FP), DI
	MOVQ rr+8(FP), R8
	MOVQ gg+16(FP), R9
	MOVQ bb+24(FP), R10
	MOVQ stride+32(FP), R11
	SHLQ $2, R11
	MOVUPD yccK<>+0(SB), X8
	MOVUPD yccK<>+64(SB), X12
	MOVUPD yccK<>+160(SB), X9
	MOVUPD yccK<>+176(SB), X10
	MOVUPD yccK<>+192(SB), X11
	MOVUPD yccK<>+208(SB), X13
	MOVQ $8, CX
brow:
	XORQ AX, AX
bpair:
	MOVUPD 0(DI)(AX*8), X0
	ADDPD X12, X0 // y + 128
	MOVUPD 512(DI)(AX*8), X1 // cb
	MOVUPD 1024(DI)(AX*8), X2 // cr
	// R = (y + 1.402cr) / 255
	MOVAPD X2, X3
	MULPD X9, X3
	MOVAPD X0, X4
	ADDPD X3, X4
	DIVPD X8, X4
	CVTPD2PS X4, X4
	MOVSD X4, (R8)(AX*4)
	// G = (y - 0.344136cb - 0.714136cr) / 255
	MOVAPD X1, X3
	MULPD X10, X3
	MOVAPD X0, X4
	SUBPD X3, X4
	MOVAPD X2, X3
	MULPD X11, X3
	SUBPD X3, X4
	DIVPD X8, X4
	CVTPD2PS X4, X4
	MOVSD X4, (R9)(AX*4)
	// B = (y + 1.772cb) / 255
	MOVAPD X1, X3
	MULPD X13, X3
	MOVAPD X0, X4
	ADDPD X3, X4
	DIVPD X8, X4
	CVTPD2PS X4, X4
	MOVSD X4, (R10)(AX*4)
	ADDQ $2, AX
	CMPQ AX, $8
	JLT bpair
	ADDQ R11, R8
	ADDQ R11, R9
	ADDQ R11, R10
	ADDQ $64, DI
	DECQ CX
	JNZ brow
	RET

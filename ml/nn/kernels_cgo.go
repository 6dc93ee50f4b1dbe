//go:build cgo && amd64

package nn

/*
#cgo CFLAGS: -O2
// No contraction of a*b+c into an FMA (cgo does not accept -ffp-contract).
#pragma GCC optimize("fp-contract=off")
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

// Signed integer key ordering like the float (the signed form of orderKey).
static inline int32_t cgx_key(float v) {
	int32_t b; memcpy(&b, &v, 4);
	return b ^ ((b >> 31) & 0x7fffffff);
}
static inline float cgx_unkey(int32_t s) {
	int32_t b = s ^ ((s >> 31) & 0x7fffffff);
	float v; memcpy(&v, &b, 4);
	return v;
}

__attribute__((target("avx2")))
static inline __m256i cgx_keys8(__m256 v) {
	__m256i b = _mm256_castps_si256(v);
	return _mm256_xor_si256(b, _mm256_and_si256(_mm256_srai_epi32(b, 31), _mm256_set1_epi32(0x7fffffff)));
}

// Even and odd elements of 16 consecutive floats, in order.
__attribute__((target("avx2")))
static inline void cgx_deinterleave(const float *p, __m256 *even, __m256 *odd) {
	__m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
	__m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
	__m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
	*even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
	*odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8));
}

__attribute__((target("avx2")))
static void cgx_pool2(const float *x, float *y, uint8_t *arg, long w, long ph, long pw) {
	for (long oy = 0; oy < ph; oy++) {
		const float *r0 = x + 2 * oy * w, *r1 = r0 + w;
		float *dst = y + oy * pw;
		uint8_t *ar = arg + oy * pw;
		long ox = 0;
		for (; ox + 8 <= pw; ox += 8) {
			__m256 a, b, c, d;
			cgx_deinterleave(r0 + 2 * ox, &a, &b);
			cgx_deinterleave(r1 + 2 * ox, &c, &d);
			__m256i best = cgx_keys8(a), idx = _mm256_setzero_si256();
			__m256i kb = cgx_keys8(b), kc = cgx_keys8(c), kd = cgx_keys8(d);
			__m256i gt = _mm256_cmpgt_epi32(kb, best);
			best = _mm256_blendv_epi8(best, kb, gt);
			idx = _mm256_blendv_epi8(idx, _mm256_set1_epi32(1), gt);
			gt = _mm256_cmpgt_epi32(kc, best);
			best = _mm256_blendv_epi8(best, kc, gt);
			idx = _mm256_blendv_epi8(idx, _mm256_set1_epi32(2), gt);
			gt = _mm256_cmpgt_epi32(kd, best);
			best = _mm256_blendv_epi8(best, kd, gt);
			idx = _mm256_blendv_epi8(idx, _mm256_set1_epi32(3), gt);
			__m256i vb = _mm256_xor_si256(best, _mm256_and_si256(_mm256_srai_epi32(best, 31), _mm256_set1_epi32(0x7fffffff)));
			_mm256_storeu_ps(dst + ox, _mm256_castsi256_ps(vb));
			int32_t tmp[8];
			_mm256_storeu_si256((__m256i *)tmp, idx);
			for (int j = 0; j < 8; j++) ar[ox + j] = (uint8_t)tmp[j];
		}
		for (; ox < pw; ox++) {
			int32_t k[4] = {cgx_key(r0[2 * ox]), cgx_key(r0[2 * ox + 1]), cgx_key(r1[2 * ox]), cgx_key(r1[2 * ox + 1])};
			int32_t best = k[0]; int i = 0;
			for (int j = 1; j < 4; j++) if (k[j] > best) { best = k[j]; i = j; }
			dst[ox] = cgx_unkey(best);
			ar[ox] = (uint8_t)i;
		}
	}
}

// passed: d where the ReLU output y (never negative) has nonzero bits.
static inline float cgx_passed(float y, float d) {
	uint32_t b, db; memcpy(&b, &y, 4); memcpy(&db, &d, 4);
	db &= (b != 0) ? 0xffffffffu : 0;
	float r; memcpy(&r, &db, 4);
	return r;
}

__attribute__((target("avx2")))
static float cgx_pregrad2(const float *po, const float *pd, const uint8_t *pa, float *plane,
                          long oh, long ow, long ph, long pw) {
	float sum = 0;
	for (long oy = 0; oy < ph; oy++) {
		float *r0 = plane + 2 * oy * ow, *r1 = r0 + ow;
		const float *o = po + oy * pw, *g = pd + oy * pw;
		const uint8_t *a = pa + oy * pw;
		long ox = 0;
		for (; ox + 8 <= pw; ox += 8) {
			__m256i ob = _mm256_castps_si256(_mm256_loadu_ps(o + ox));
			__m256i zero = _mm256_setzero_si256();
			__m256 gv = _mm256_andnot_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(ob, zero)), _mm256_loadu_ps(g + ox));
			float gs[8];
			_mm256_storeu_ps(gs, gv);
			for (int j = 0; j < 8; j++) sum += gs[j];
			__m256i ai = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(a + ox)));
			ai = _mm256_and_si256(ai, _mm256_set1_epi32(3));
			__m256 v0 = _mm256_and_ps(gv, _mm256_castsi256_ps(_mm256_cmpeq_epi32(ai, zero)));
			__m256 v1 = _mm256_and_ps(gv, _mm256_castsi256_ps(_mm256_cmpeq_epi32(ai, _mm256_set1_epi32(1))));
			__m256 v2 = _mm256_and_ps(gv, _mm256_castsi256_ps(_mm256_cmpeq_epi32(ai, _mm256_set1_epi32(2))));
			__m256 v3 = _mm256_and_ps(gv, _mm256_castsi256_ps(_mm256_cmpeq_epi32(ai, _mm256_set1_epi32(3))));
			__m256 lo = _mm256_unpacklo_ps(v0, v1), hi = _mm256_unpackhi_ps(v0, v1);
			_mm256_storeu_ps(r0 + 2 * ox, _mm256_permute2f128_ps(lo, hi, 0x20));
			_mm256_storeu_ps(r0 + 2 * ox + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
			lo = _mm256_unpacklo_ps(v2, v3); hi = _mm256_unpackhi_ps(v2, v3);
			_mm256_storeu_ps(r1 + 2 * ox, _mm256_permute2f128_ps(lo, hi, 0x20));
			_mm256_storeu_ps(r1 + 2 * ox + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
		}
		for (; ox < pw; ox++) {
			float gv = cgx_passed(o[ox], g[ox]);
			sum += gv;
			float v[4] = {0, 0, 0, 0};
			v[a[ox] & 3] = gv;
			r0[2 * ox] = v[0]; r0[2 * ox + 1] = v[1]; r1[2 * ox] = v[2]; r1[2 * ox + 1] = v[3];
		}
		for (long j = 2 * pw; j < ow; j++) { r0[j] = 0; r1[j] = 0; }
	}
	for (long j = 2 * ph * ow; j < oh * ow; j++) plane[j] = 0;
	return sum;
}

__attribute__((target("avx2")))
static void cgx_add(float *dst, const float *src, long n) {
	long i = 0;
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(dst + i, _mm256_add_ps(_mm256_loadu_ps(dst + i), _mm256_loadu_ps(src + i)));
	for (; i < n; i++) dst[i] += src[i];
}

__attribute__((target("avx2")))
static void cgx_col2im_same(float *col, float *dx, long cin, long h, long w, long kh, long kw, long pad,
                            long oh, long ow, long r0, long r1) {
	long n = (r1 - r0) * w, r = 0;
	for (long c = 0; c < cin; c++) {
		float *plane = dx + c * h * w;
		for (long ky = 0; ky < kh; ky++) {
			long oy0 = r0 > pad - ky ? r0 : pad - ky;
			long oy1 = r1 < h + pad - ky ? r1 : h + pad - ky;
			for (long kx = 0; kx < kw; kx++, r++) {
				float *row = col + r * n;
				long lo = pad - kx > 0 ? pad - kx : 0;
				long hi = ow < w + pad - kx ? ow : w + pad - kx;
				if (hi < lo) hi = lo;
				if (oy0 >= oy1 || lo >= hi) continue;
				for (long oy = oy0; oy < oy1; oy++) {
					float *rw = row + (oy - r0) * w;
					for (long j = 0; j < lo; j++) rw[j] = 0;
					for (long j = hi; j < w; j++) rw[j] = 0;
				}
				long first = (oy0 - r0) * w + lo, last = (oy1 - 1 - r0) * w + hi;
				long dst = oy0 * w + lo + (ky - pad) * w + kx - pad;
				cgx_add(plane + dst, row + first, last - first);
			}
		}
	}
}
*/
import "C"

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// cKernels are the C/AVX2 versions of the plane kernels, bit for bit equal
// to the Go ones (TestKernelsAgree).
var cKernels = planeKernels{name: "C/AVX2", pool2: pool2C, preGrad2: preGrad2C, col2imSame: col2imSameC}

// archPlaneKernels returns the C/AVX2 kernels on CPUs with AVX2. They only
// compare, select, copy and add (no multiply-add to contract, and C is
// compiled with -ffp-contract=off besides), summing in the Go kernels'
// order, so they give the same bits.
func archPlaneKernels() planeKernels {
	if cpu.X86.HasAVX2 {
		return cKernels
	}
	return goKernels
}

func f32p(v []float32) *C.float { return (*C.float)(unsafe.Pointer(unsafe.SliceData(v))) }

func pool2C(x, y []float32, arg []uint8, w, ph, pw int) {
	if ph == 0 || pw == 0 {
		return
	}
	_ = x[(2*ph-1)*w+2*pw-1]
	_, _ = y[ph*pw-1], arg[ph*pw-1]
	C.cgx_pool2(f32p(x), f32p(y), (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(arg))), C.long(w), C.long(ph), C.long(pw))
}

func preGrad2C(po, pd []float32, pa []uint8, plane []float32, oh, ow, ph, pw int) float32 {
	if oh*ow == 0 {
		return 0
	}
	_ = plane[oh*ow-1]
	if ph*pw > 0 {
		_, _, _ = po[ph*pw-1], pd[ph*pw-1], pa[ph*pw-1]
	}
	return float32(C.cgx_pregrad2(f32p(po), f32p(pd), (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(pa))), f32p(plane),
		C.long(oh), C.long(ow), C.long(ph), C.long(pw)))
}

func col2imSameC(g convGeom, col, dx []float32, r0, r1 int) {
	if r1 <= r0 {
		return
	}
	_ = col[g.k()*(r1-r0)*g.ow-1]
	_ = dx[g.inSize()-1]
	C.cgx_col2im_same(f32p(col), f32p(dx), C.long(g.cin), C.long(g.h), C.long(g.w), C.long(g.kh), C.long(g.kw),
		C.long(g.pad), C.long(g.oh), C.long(g.ow), C.long(r0), C.long(r1))
}

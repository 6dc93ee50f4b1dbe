// Package fmath is cgx's portable elementary functions: Exp, Exp2, Expm1,
// Log, Log1p, Pow, Sin, Cos, Sincos, Tan, Hypot, Erf and Erfc for float64,
// giving the same bits on every architecture and build.
//
// Why: Go's math package computes Exp with assembly on amd64 and arm64 (two
// different algorithms), Log with assembly on amd64 only, Hypot with
// assembly on amd64, and its pure-Go functions (Sin, Pow, Erf, ...) are
// compiled with fused multiply-adds on arm64 (and on amd64 with GOAMD64=v3)
// but not on baseline amd64. Any of these changes the last bits of a result,
// and cgx's digests are of results. This package is Go's own pure-Go source
// (BSD licence, LICENSE; files keep the Go Authors' copyright) with two
// changes: the assembly branches are gone, and every product that is added
// to or subtracted from something is written float64(x*y), an explicit
// conversion, which the Go specification says must round the product, so
// no compiler may fuse it into an FMA. The results are correctly rounded as
// often as Go's pure-Go math is (within 1 ulp), identical to it on amd64
// with GOAMD64=v1 where nothing fuses.
//
// What stays in math: Abs, Sqrt, Floor, Ceil, Trunc, Round, Frexp, Ldexp,
// Modf, Copysign, FMA, Min, Max and the bit conversions are exact (IEEE 754
// requires one result), so the architecture cannot change them.
//
// Caveats: slower than the assembly (Exp about 1.5x); float32 callers
// convert to float64 and back, which is deterministic too. TestNoFusion in
// internal/crossbuild checks the compiled arm64 code of this package and of
// every cgx package for fused multiply-adds that the source did not ask for.
package fmath

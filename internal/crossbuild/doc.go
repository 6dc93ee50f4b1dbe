// Package crossbuild holds the test that proves cgx's first promise: a run
// gives the same bits on every machine. It has no code of its own, only
// TestCrossBuild and TestSIMDSwitch, skipped unless CGX_CROSSBUILD=1 because
// they build cgx several ways and run experiments (minutes, not seconds).
//
// Vocabulary:
//   - build: one way of compiling ./cmd/cgx: "default" (go build as is),
//     "nocgo-v1" (CGO_ENABLED=0 GOAMD64=v1: no cgo, no OpenBLAS, baseline
//     x86-64 without SSE4/AVX/FMA in compiled code), "v3" (GOAMD64=v3, on
//     which Go fuses x*y+z into FMA instructions, as it does on arm64) and
//     "arm64" (GOARCH=arm64, run under qemu-aarch64-static);
//   - smoke run: `cgx run SPEC --profile smoke` into one database per build;
//   - job: a spec to run, written SPEC (its smoke run) or
//     SPEC@KEY=VALUE[@KEY=VALUE...] (a reduced job: the smoke run with those
//     `cgx run --set` overrides, for runs too slow under qemu). The default
//     build runs every reduced job another build runs, with the same
//     overrides, into a database of its own, and the two are compared like
//     any other pair;
//   - comparison: experiments.CompareRuns between the default build's run
//     of a spec and another build's: every stage's artifact digests, metrics
//     and every trial (parameters, values, per-step losses, attributes), bit
//     for bit. The first difference is printed with its stage, so the
//     earliest stage that differs (the cause) is named.
//
// Environment:
//   - CGX_CROSSBUILD=1 runs the tests;
//   - CGX_CROSSBUILD_BUILDS: comma-separated builds (default
//     "default,nocgo-v1,v3,arm64"; v3 needs an AVX2+FMA host, arm64 needs
//     qemu-aarch64-static on PATH, or the test fails saying what to install);
//   - CGX_CROSSBUILD_SPECS: the jobs the native builds run (default every
//     built-in spec, from `cgx specs --json`);
//   - CGX_CROSSBUILD_QEMU_SPECS: the jobs run under qemu (default one of each
//     kind: style/blur, content/exp1 and segmentation/baseline-vs-proposals
//     reduced to one seed, 2 epochs and 48 images: qemuSegmentation);
//   - CGX_CROSSBUILD_KEEP=DIR keeps binaries and databases in DIR;
//   - CGX_CROSSBUILD_REUSE=1 (with KEEP) reuses the binaries in DIR and skips
//     the specs a build's database already holds a succeeded run of, so an
//     interrupted run resumes and a finished one is only compared again.
//
// Caveats: CGX_BLAS and CGX_SIMD are removed from the environment of every
// run (the default portable path is what is promised; TestSIMDSwitch sets
// CGX_SIMD=off itself). The builds are compared with each other, not with a
// stored reference, so a change that moves every build alike passes here and
// is caught by the golden files instead.
package crossbuild

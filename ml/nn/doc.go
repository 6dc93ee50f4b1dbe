// Package nn holds cgx's neural-network building blocks for gorgonia: layer
// Ops with hand-written forward and backward kernels, the portable SGEMM
// backend they run on (OpenBLAS as an opt-in), Adam, seeded initialisation and a stable weight format. Every ml
// network (discriminator, segmentation) is built from them.
//
// # Layers
//
// Each constructor adds one node to a gorgonia graph and returns it; its
// gradient Ops are added by gorgonia.Grad (TapeMachine with symbolic
// differentiation; LispMachine is not supported). Tensors are float32,
// images NCHW.
//
//	Conv2D(x, w, b, ConvOpts{Pad, ReLU, NoInputGrad})   stride-1 convolution [+ fused ReLU]
//	FrozenConv2D(x, w, b, opts)                       same with constant weights (gradient to x only)
//	ConvReLUPool(x, w, b, ConvPoolOpts{Pad, Pool})    maxpool(relu(conv + b)) as one Op (the fast path)
//	FrozenConvReLUPool(x, w, b, opts)                 same with constant weights
//	MaxPool2D(x, k)                                   k×k windows, stride k
//	ReLU(x)
//	Linear(x, w, b, opts) / FrozenLinear              flatten(x)·wᵀ + b
//	ChannelAffine(x, scale, shift)                    x·scale[n,c] + shift[n,c] per image and channel
//	WeightedCrossEntropy(logits, targets)             Σ targets·(−log softmax), a scalar
//
// # Kernels
//
// Convolution is im2col + SGEMM per image (a 1×1 kernel skips im2col):
// forward y = W·col(x); input gradient col⁻¹(Wᵀ·dy); weight gradient
// (col(x)·dyᵀ)ᵀ, recomputing col(x) rather than storing it, so the working
// set of one image stays in cache. For "same"-width convolutions im2col and
// col⁻¹ move each kernel offset's rows in one piece. Bias and ReLU are fused
// into the forward pass. ConvReLUPool goes further: each image's
// convolution output is pooled while in cache and never stored; the forward
// pass records each window's first maximum (one byte per pooled value), and
// the backward pass rebuilds the pre-activation gradient from it, computing
// the weight and input gradients in the same pass over each image.
// MaxPool2D records maxima the same way (and finds them again by comparison
// when the record is missing); after a ReLU its gradient also applies the
// ReLU's mask, so the ReLU's backward pass is skipped.
//
// Ops whose backward pass is split over several nodes (ConvReLUPool's
// weight and input gradients, ChannelAffine's three gradients) compute in
// the first node and hand results to the others, which take the first as
// an input so gorgonia runs them after it. These Ops keep state between the
// forward and backward passes of one machine run and check that it belongs
// to the same run, failing with an error otherwise.
//
// # Work split and determinism
//
// The promise: on the default (portable) backend, the same inputs give the
// same bits on every machine: amd64 with AVX-512, AVX2 or neither, arm64,
// with or without cgo, any GOMAXPROCS, CGX_SIMD on or off. Four rules keep
// it:
//
//   - Every matrix product runs cgx's own SGEMM (package internal/gemm),
//     whose result is defined element by element: C[i,j] starts from 0, C
//     or beta·C, and adds the products a[i,p]·b[p,j] for p = 0, 1, …, k−1
//     in that order, each product rounded to float32 before it is added.
//     Kernels vectorise across the columns of C, never across p, and never
//     fuse the multiply and the add (VMULPS then VADDPS; the pure-Go kernel
//     writes c += float32(a*b), a conversion the compiler may not fuse), so
//     the AVX2 and pure-Go kernels and any tiling give the same bits.
//     Unfused rather than fused: paths without an FMA instruction would
//     need an exact float32 FMA emulation (float32(math.FMA(…)) rounds
//     twice), and on AMD Zen's separate multiply and add pipes the unfused
//     kernel runs at the fused one's speed.
//   - Go code that feeds results writes float32(x*y) + z wherever it
//     multiplies and adds: Go may fuse x*y+z into one FMA on arm64 (and on
//     amd64 from GOAMD64=v3), which rounds differently.
//   - exp and log come from internal/fmath, Go's pure-Go algorithms
//     written so that nothing fuses, not from math.Exp and math.Log, which
//     run different assembly on amd64 (with and without FMA) and arm64. math.Sqrt (correctly rounded) and math.Pow with an
//     integer exponent (exact multiplications in pure Go) are portable.
//   - Work is split with a fixed decomposition: an Op splits its batch into
//     tasks (one image, one channel, or a fixed chunk of elements) and runs
//     them on GOMAXPROCS goroutines; each task calls single-threaded
//     SGEMM. Where images are summed (weight gradients) they are summed in
//     fixed chunks of gradChunk images, and the chunk sums are then added
//     in chunk order; bias gradients are summed per channel in a fixed
//     order. Which goroutine runs a task never changes what it computes.
//
// The plane loops (pooling, pre-activation gradients, col⁻¹) have C/AVX2
// versions in cgo builds; they only compare, select, copy and add, in the
// Go loops' order, and are compiled without contraction, so they too give
// the Go loops' bits. NaN payloads (which NaN a NaN result carries) are not
// part of the promise. TestPortableDigest pins a digest of SGEMM and every
// Op's outputs in testdata/portable.digest; it must pass unchanged on every
// build (including GOARCH=arm64 under qemu-aarch64-static), and
// TestOpsSameBitsWithAndWithoutSIMD compares the kernels directly.
//
// # SIMD switch
//
// CGX_SIMD=off runs the pure-Go SGEMM kernel and plane loops on any CPU:
// the same bits, several times slower. It exists for users who suspect a
// kernel and for the test that compares. SIMD reports what runs. The CPU
// is probed at run time (golang.org/x/sys/cpu), so a GOAMD64=v1 build still
// uses AVX2 where the CPU has it.
//
// # BLAS backends
//
// DefaultBLAS picks, once per process, according to $CGX_BLAS:
//   - auto, portable or unset (default), or go (its older name): the
//     portable SGEMM above, AVX2 assembly where the CPU has it, else pure
//     Go. Always available, CGO_ENABLED=0 included.
//   - openblas: OpenBLAS or an error. Opt-in only: its kernels, and so the
//     last bits of results, depend on the CPU and the library version.
//     MachineBound reports this (true for OpenBLAS), and the runner records
//     it so that a rerun elsewhere that differs is explained.
//
// Backends say whether they are portable with a Portable() bool method;
// MachineBound(b) is !b.Portable() (true for a backend without the method).
// BLAS.Name says which library runs: "portable SGEMM" on every machine
// (records and stage keys include it, and the results do not depend on the
// kernel), OpenBLAS with its version and core. SIMD says which kernels run.
//
// OpenBLAS is loaded at run time with dlopen (libopenblas.so.0, or the path
// in $CGX_OPENBLAS), so cgx builds and runs without it and needs no OpenBLAS
// headers; a CGO_ENABLED=0 build cannot use it. OpenBLAS
// chooses its kernels from OPENBLAS_CORETYPE, read once when the library
// loads (before Go's main, were it linked normally; hence dlopen). Debian's
// OpenBLAS 0.3.21 misdetects recent CPUs (an AMD EPYC with AVX-512 runs as
// "Prescott", SSE3, about a quarter of the speed), so unless the user set
// OPENBLAS_CORETYPE, cgx sets it for the load only (and sets
// OPENBLAS_NUM_THREADS=1 likewise, unless set), from the CPU's
// features (golang.org/x/sys/cpu): SkylakeX with AVX-512 F, CD, BW, DQ
// and VL; Haswell with AVX2 and FMA; otherwise OpenBLAS's own detection. It
// never names kernels the CPU lacks, and a user's value is always
// respected. OpenBLAS is limited to one thread (openblas_set_num_threads(1))
// since the Ops parallelise themselves. `cgx bench ml` prints the backend's
// name.
//
// # Seeds
//
// ChildSeed derives named streams from a parent seed (SHA-256 of both);
// NewRand makes a PCG generator; FillUniform, Uniform01 and Shuffle use only
// its Uint64 stream, so their output is fixed by the seed alone.
//
// # Caveats
//
//   - Each Op owns its output buffer and reuses it on the next run of the
//     machine: values read from nodes are valid until the next RunAll. Copy
//     what you keep.
//   - An Op value belongs to one node of one graph, and a graph's machine
//     must not run concurrently with itself.
//   - Convolutions are stride 1, without dilation or groups; pooling has
//     stride equal to its window.
//   - float32 only.
//   - Build machines with NewTapeMachine, not gorgonia.NewTapeMachine:
//     gorgonia's finalizer on the machine keeps any reference cycle through
//     it (a struct holding the machine that a Read in its graph writes into)
//     in memory for good, with every buffer its Ops hold. A test fails on a
//     call to the stock constructor outside ml/nn.
package nn

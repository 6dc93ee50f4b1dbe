// Package nn holds cgx's neural-network building blocks for gorgonia: layer
// Ops with hand-written forward and backward kernels, the BLAS backend they
// run on, Adam, seeded initialisation and a stable weight format. Every ml
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
// An Op splits its batch into tasks (one image, one channel, or a fixed
// chunk of elements) and runs them on GOMAXPROCS goroutines; each task
// calls single-threaded BLAS. Where images are summed (weight gradients)
// they are summed in fixed chunks of gradChunk images, and the chunk sums
// are then added in chunk order; bias gradients are summed per channel in a
// fixed order. Which goroutine runs a task never changes what it computes,
// so results are bit-identical for any GOMAXPROCS. Across BLAS backends (and
// CPUs with different OpenBLAS kernels) the last bits differ.
//
// # BLAS backends
//
// DefaultBLAS picks, once per process, according to $CGX_BLAS:
//   - auto (default): OpenBLAS when it loads, else pure Go;
//   - openblas: OpenBLAS or an error;
//   - go: pure Go (gonum's SGEMM, called on tiles small enough that gonum
//     never spawns goroutines of its own).
//
// OpenBLAS is loaded at run time with dlopen (libopenblas.so.0, or the path
// in $CGX_OPENBLAS), so cgx builds and runs without it and needs no OpenBLAS
// headers; a CGO_ENABLED=0 build has the pure-Go backend only. OpenBLAS
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
// since the Ops parallelise themselves. BLAS.Name says which library and
// core run, and why; `cgx bench ml` prints it.
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
package nn

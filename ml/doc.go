// Package ml is the root of cgx's machine-learning packages; it holds no
// code. Everything is built on gorgonia (expression graphs, TapeMachine,
// symbolic Grad) with layers of cgx's own where speed matters.
//
// Subpackages:
//   - nn: fast layer Ops for gorgonia (Conv2D, MaxPool2D, ReLU, Linear,
//     WeightedCrossEntropy) with forward and backward kernels, the BLAS
//     backend (OpenBLAS through cgo when present, pure Go otherwise), Adam,
//     seeded initialisation and the stable weight format.
//   - disc: the CG-vs-real discriminator: build, train, evaluate, predict,
//     save and load, and Logits for differentiating through it with frozen
//     weights.
//   - tensorimg: image.Image <-> float32 NCHW tensors with values in [0, 1].
//   - manip: differentiable, interpretable image manipulations.
//   - fit: per-image adversarial fitting of manipulation parameters.
//   - seg: the instance-segmentation network and mask AP.
//
// Conventions shared by all of them:
//   - class 0 is CG, class 1 is real;
//   - images are float32 NCHW tensors, RGB, values in [0, 1];
//   - every random draw comes from a seed through nn.ChildSeed and
//     nn.NewRand, streams named, never numbered by call order;
//   - results are bit-identical whatever GOMAXPROCS is, for a given build
//     and BLAS backend (see nn's doc for how);
//   - float32 throughout, float64 where a reduction needs it.
package ml

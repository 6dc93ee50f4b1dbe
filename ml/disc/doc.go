// Package disc is the CG-vs-real discriminator: a small convolutional
// network that outputs two logits per image, index 0 (ClassCG) and index 1
// (ClassReal).
//
// Architecture (Config): len(Channels) blocks of Kernel×Kernel convolution
// with "same" zero padding, ReLU and 2×2 max-pooling (each block one
// nn.ConvReLUPool Op), then a linear layer from the flattened last block to
// the 2 logits. DefaultConfig is the
// reference: 64×64 RGB input, channels 32, 64, 64, 3×3 kernels, linear
// 4096→2 (64,546 weights).
//
// Use:
//
//	m, err := disc.New(disc.DefaultConfig(), seed)             // seeded init
//	rep, err := m.Train(ctx, disc.TrainConfig{Epochs: 2, Seed: seed}, cg, real)
//	ev, err := m.Evaluate(ctx, heldOutCG, heldOutReal)          // ev.Accuracy
//	probs, err := m.Predict(batch)                              // [N][P(CG), P(real)]
//	blob, err := m.MarshalBinary()                              // stable bytes
//	m2, err := disc.Load(blob)
//
// Images (cg, real) are anything implementing Images; tensorimg.Set and
// tensorimg.Lazy do. Inputs are float32 NCHW, RGB in [0, 1], Size×Size.
//
// # Differentiating through the discriminator
//
// Logits(x) adds the forward pass to x's graph with the weights frozen:
// they are copied into the layer Ops as constants, so gorgonia.Grad computes
// no gradient for them and later training of the model does not change the
// graph. Gradients flow to x and through x to whatever produced it (the
// manipulation parameters). Typical fitting graph:
//
//	x2 := manipulate(x, params)                        // [N,3,S,S], e.g. nn.ChannelAffine(x, 1+c, b)
//	logits, _ := m.Logits(x2)                          // [N,2]
//	loss, _ := nn.WeightedCrossEntropy(logits, target) // target [N,2]: one-hot real per image; zero rows for stopped images
//	grads, _ := gorgonia.Grad(loss, params)
//	vm := nn.NewTapeMachine(g)                         // build once, RunAll + Reset per step
//
// With one-hot targets (not divided by N) each image's parameters receive
// exactly the gradient of that image's own loss. Build the graph and the
// machine once and rerun them: the layer Ops keep their buffers between
// runs, which is what makes a step fast. Values read from the graph's nodes
// (logits, gradients) are overwritten by the next run; copy what you keep.
//
// # Determinism
//
// The same Config and seed give the same initial weights; Train shuffles
// each epoch from its own named stream ("shuffle/epoch-<e>") of
// TrainConfig.Seed; the layers split work across cores with a fixed
// decomposition (see package nn). So weights, losses and the bytes of
// MarshalBinary are identical whatever GOMAXPROCS is, for a given BLAS
// backend. OpenBLAS and the pure-Go backend differ in the last bits.
//
// # Weights format
//
// MarshalBinary writes: magic "CGXDISC\x00", format version (uint16, little
// endian), the Config (size, kernel, block count, channels; uint32 each),
// then the weights in nn's format (its own magic, version, names, shapes,
// float32 values and CRC-32). Load checks all of it and rejects other
// versions with ErrFormat.
//
// # Speed
//
// Benchmark (and `cgx bench ml`, with bench/torch_disc.py as the PyTorch
// peer) times a training step and a brightness/contrast fitting step of the
// reference architecture at batch 32; BenchmarkTrainStep and
// BenchmarkManipStep do the same under go test. Figures: docs/perf/ml.md.
//
// # Caveats
//
// Training and Trainer steps on a Model must not overlap with other calls on
// it; Predict and Evaluate may run concurrently with each other (they take a
// lock). Predict graphs hold a copy of the weights and are rebuilt after
// training.
package disc

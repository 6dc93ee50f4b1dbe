// Package fit fits interpretable manipulation parameters per image so that a
// CG-vs-real classifier assigns each image the other domain (the style half
// of ../shared/METHOD.md): x' = manipulate(x, p); loss = cross-entropy of
// the classifier's logits against the target class; an optimiser on p (Adam,
// the published one, or a projected gradient descent with a backtracking
// line search, whose values are continuous and follow each image's own
// gradient); each image stops under a stated rule (first point past the
// threshold, as published; convergence; or the step budget).
//
// # Vocabulary
//
//   - direction: cg-to-real (target class 1, real) or real-to-cg (target
//     class 0, CG).
//   - step: one update of an image's raw variables (Adam: every update;
//     line search: every accepted step). The loss is recorded at the start
//     and after every step, so an image that took s steps has s+1 losses.
//   - evaluation: one run of the graph for an image; the line search's
//     rejected trial steps are evaluations but not steps. Config.Steps
//     bounds evaluations.
//   - at bound: a value equal to its range's Low or High after the fit;
//     flagged per parameter (Result.AtBound) since the fit wanted to go
//     further.
//   - confidence: the classifier's probability for the target class,
//     exp(-loss).
//   - distribution fit (FitDistribution, stochastic manipulation): per
//     image a normal distribution over the parameter values, a mean and a
//     spread per parameter, fitted by the reparameterisation trick (value =
//     mean + softplus(rho) * eps, range-normalised, eps drawn from the
//     image's seed and the step's name) to maximise the evidence lower
//     bound: the draws' log-probability of the target class minus the KL
//     divergence to a normal prior at the identity (PriorScale of each
//     range). A parameter the classifier ignores keeps the identity mean
//     and takes the prior's spread; SampleValues draws from the result.
//   - raw variables, values, identity: as in package manip. Fitting starts
//     every image at the identity values and keeps values within each
//     parameter's range [Low, High] by projecting after every step.
//
// # Contracts
//
// An image's Result depends only on the image, its seed, the manipulation,
// the classifier and the Config: not on the other images in the call, on
// BatchSize, or on GOMAXPROCS — provided the classifier's row i depends on
// image i alone and its ops reduce in a fixed order. ml/disc meets this on
// the pure-Go BLAS backend. On OpenBLAS its linear layer multiplies the
// whole batch in one SGEMM whose rounding depends on the batch size, so
// results then depend on how images are grouped (BatchSize, compaction), in
// the last bits (about 1e-7 relative); they stay identical for the same
// images, order and Config, whatever GOMAXPROCS. The loss of a batch is
// the sum (not the mean) of per-image losses, so each image's gradient is
// exactly its own; both optimisers run per image in float64.
//
// # Speed
//
// Each batch builds its graph and tape machine once and reruns them every
// step; the machine compiles only what the loss, gradient and read-backs
// need, so gradients a classifier's ops offer for frozen weights are never
// computed. Once half the images in a graph have stopped, it is rebuilt for
// the active ones (compaction), so stopped images cost nothing further; the
// schedule depends only on when images stop, so it is deterministic too.
//
// # Caveats
//
//   - Losses exclude the optional magnitude penalty; the optimiser's
//     objective includes it.
//   - Only float32 graphs are fitted (the discriminator's dtype).
package fit

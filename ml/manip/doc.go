// Package manip owns the interpretable image manipulations whose parameters
// are fitted to fool the CG-vs-real discriminator: brightness/contrast per
// channel and per patch, an HSV shift, Gaussian blur (one sigma or one per
// channel), Gaussian noise, an exposure shift, and blur followed by
// brightness/contrast fitted jointly. Each is a differentiable
// gorgonia op (for fitting) and a plain function (Apply, for result images)
// sharing one kernel. docs/MANIPULATIONS.md gives every formula and how to
// read fitted values.
//
// # Vocabulary
//
//   - image: 3 x H x W float values in [0,1], channel-major (CHW); a batch
//     is N images, NCHW.
//   - value: a parameter as it reads ("contrast_g = -0.12"), as stored in a
//     trial, bounded by the plausible range Param.Low..High.
//   - raw variable: what the optimiser moves. It equals the value, except
//     for the blurs' sigmas, where value = softplus(raw) keeps sigma
//     positive (Param.Softplus; Reparam adds the mapping to a graph).
//   - identity: the values that leave an image unchanged (Param.Identity).
//   - image seed: one int64 per image; the noise manipulation draws its fixed
//     per-pixel sample from the child seed "manip/noise" of it.
//
// # Contracts
//
// An op's output for image i, and the gradient with respect to image i's
// values, depend on image i alone and are computed in a fixed order in
// float64, so they are bit-identical whatever the batch around the image
// and whatever GOMAXPROCS. For a float32 graph Apply reproduces the op's
// output bit for bit. The ops do not differentiate with respect to the
// images.
//
// # Caveats
//
//   - The blurs' Identity (sigma 0.15 px) is not the exact identity: it
//     moves no value by more than 0.0018 (under half an 8-bit level).
//     Sigma 0 is exact, but the kernel is flat there to every order, so a
//     fit could never leave it.
//   - brightness-contrast, patch-brightness-contrast, hsv and noise clamp
//     their output to [0,1]; a clamped value passes no gradient. The
//     boundaries count as inside, so a saturated pixel can still be pulled
//     back. Blur and exposure map [0,1] into itself and do not clamp.
//   - The sign of noise_std is arbitrary (the sample is symmetric); read
//     |noise_std|.
package manip

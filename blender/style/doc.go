// Package style holds the style domains: parameterised image pipelines
// that give a render the look of a capture domain, and the statement of the
// gap between two domains in the manipulation vocabulary of docs/DATA.md.
// blender applies a dataset's domain to every render it generates; the
// runner restates each fitted image's planted gap with Gap.
//
// # Vocabulary
//
//   - Domain: the pipeline's parameters (colour response, exposure, gamma,
//     optical blur, chromatic aberration, vignetting, render and sensor
//     noise, JPEG-like quantisation); Domain.Apply runs its ten steps in
//     the order the type's comment lists. Built-in domains: "identity",
//     "cg", "real" and "cg-varied" (DomainByName, DomainNames); "cg" and
//     "real" plant a known gap. "cg-varied-blur" against "real-blur" plants
//     a per-image blur and nothing else, an ablation that isolates one cue.
//   - Variation: parameters drawn per image, uniformly, in four independent
//     groups (colour, blur, noise, exposure). ImageDomain(seed) is the
//     domain one image gets; ImageSeed names that seed for image i of a
//     dataset; MeanDomain is the domain at the middle of every range.
//   - Gap(from, to): the brightness/contrast, blur and exposure values that
//     take from's look to to's; exact for the colour response (step 8),
//     blur sigmas add in quadrature. Noise is not stated: going from CG to
//     real needs denoising, which no manipulation expresses.
//
// # Contracts
//
//   - Apply's output is a pure function of the image, the domain and the
//     seed: noise comes from counter-based streams (a value per (seed,
//     channel, pixel index)), so it does not depend on the order pixels are
//     visited, on other images in a batch, or on GOMAXPROCS.
//   - The bytes are the same on every machine for a given Go release:
//     elementary functions come from internal/fmath, every product that is
//     added is rounded first (no fused multiply-add), and the sRGB curve is
//     read from blender/srgb's tables. The SSE2 kernels (blur rows and
//     columns, sensor noise, JPEG colour conversion and quantisation) give
//     the same bits as the Go loops; CGX_SIMD=off selects the Go loops, and
//     TestSIMDSwitch compares the two.
//   - A change that moves Apply's bytes moves every generated image's
//     digest: it bumps datasets.GeneratorVersion.
//   - Validate reports every parameter out of range at once, wrapping
//     ErrInvalidDomain.
//
// # Caveats
//
//   - Steps run in linear light except the colour response and JPEG, which
//     act on encoded values, as a camera's would; so a brightness/contrast
//     fit recovers Gain and Offset exactly only away from clamping.
//   - Blur commutes with the per-channel colour response only away from
//     clamping, which matters when rounds of fits compose (docs/MANIPULATIONS.md).
package style

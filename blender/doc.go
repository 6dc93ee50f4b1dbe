// Package blender owns scenes, the two renderers that turn them into images
// with instance masks, the style domains applied to renders, and datasets
// (generated from scenes or read from user image folders).
//
// # Vocabulary
//
//   - Scene: products on an optional shelf, seen by one camera under
//     directional lights plus ambient light. World units are metres, +Z is up,
//     the shelf front faces -Y and the usual camera looks along +Y. Scenes
//     round-trip through JSON (DecodeScene, Scene.MarshalJSON), validate with
//     Scene.Validate and are named by Scene.Digest (SHA-256 of the canonical
//     JSON of the normalised scene).
//   - Product kind: one of the catalogue entries in ProductKinds (350 ml and
//     500 ml bottles, 1.5 L and 2 L bottles, 330 ml and 500 ml cans, 1 L and
//     2 L gable-top cartons) with real dimensions, a cap and a label band.
//     An object's position is the centre of its bounding box; its rotation is
//     an Euler XYZ triple in degrees with Blender's convention
//     (R = Rz·Ry·Rx). A rotation of (90, 0, 0) lays a product down with its
//     top pointing at -Y, i.e. towards a camera in front of the shelf.
//   - Renderer: Render(ctx, scenes) returns one Frame per scene: sRGB colour
//     and an instance Mask (object id per pixel, 0 = background and shelf,
//     ids in scene order from 1). Embedded is the default, pure Go
//     rasteriser; Cycles runs the system's Blender. Both share one camera
//     model (camera.go), one pixel-centre convention (pixel (i, j) covers
//     [i, i+1)×[j, j+1), its centre is at (i+0.5, j+0.5)) and one geometry
//     (mesh.go): the Blender backend receives the very triangles the
//     embedded renderer draws.
//   - Domain: a parameterised image pipeline (colour response, optical blur,
//     noise, vignetting, chromatic aberration, JPEG-like quantisation)
//     applied to renders. "cg" and "real" plant a known gap, reported in the
//     manipulation vocabulary of docs/DATA.md by Gap.
//   - Dataset: a Spec (what to generate) produces images, masks and labels
//     recorded in a Manifest stored as a "dataset-manifest" artifact through
//     an ArtifactStore. FolderSpec does the same for a user's directory.
//   - Content space: the searchable scene parameters of experiments 1 and 2
//     (ContentSpace) and the function that builds a Scene from a trial.
//
// # Caveats
//
//   - Bytes are deterministic for a given Go toolchain and architecture: the
//     Go specification allows fused multiply-add on some architectures, and
//     image digests are SHA-256 of PNG bytes from Go's encoder. Golden files
//     were made on linux/amd64.
//   - The embedded renderer has no shadows, reflections or indirect light;
//     Cycles renders with shadows off and no bounces to stay close to it.
//     Only the masks are required to agree between the two (IoU >= 0.9).
//   - The Blender backend needs the Debian package "blender" (3.4): Cycles on
//     CPU only, no denoiser. EEVEE and Workbench need a GPU context and are
//     not used.
package blender

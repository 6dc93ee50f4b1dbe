// Package blender owns scenes and the two renderers that turn them into
// images with instance masks. Its sub-packages hold the rest of the image
// side: blender/datasets (datasets generated from scenes or read from user
// image folders, stored as artifacts), blender/style (the style domains
// applied to renders), blender/srgb (the sRGB curve) and blender/imageio
// (PNG encoding, whose bytes name every stored image).
//
// # Vocabulary
//
//   - Scene: products on an optional shelf, seen by one camera under
//     directional lights plus ambient light. World units are metres, +Z is up,
//     the shelf front faces -Y and the usual camera looks along +Y. Scenes
//     round-trip through JSON (DecodeScene, Scene.EncodeJSON), validate with
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
//     ids in scene order from 1; a pixel's id is the object hit through its
//     centre). Embedded is the default, pure Go rasteriser; Cycles runs the
//     system's Blender. The conformance suite in blender/rendertest holds
//     both to the Renderer contract. Both share one camera
//     model (camera.go), one pixel-centre convention (pixel (i, j) covers
//     [i, i+1)×[j, j+1), its centre is at (i+0.5, j+0.5)) and one geometry
//     (mesh.go): the Blender backend receives the very triangles the
//     embedded renderer draws.
//   - Generator: a scene family (Generators: products, exp1-lying and
//     exp1-standing, exp2-shelf and exp2-random); GenerateScene gives scene
//     i of a family for a seed, depending on nothing else. blender/datasets
//     renders such families into stored datasets.
//   - Content space: the searchable scene parameters of experiments 1 and 2
//     (ContentSpace) and the function that builds a Scene from a trial.
//
// # Caveats
//
//   - Bytes are the same on every architecture for a given Go release: every
//     product that is added is rounded first (no fused multiply-add) and the
//     elementary functions come from internal/fmath. A change that moves
//     rendered pixels or generated scenes moves dataset digests, so it bumps
//     datasets.GeneratorVersion.
//   - The embedded renderer has no shadows, reflections or indirect light;
//     Cycles renders with shadows off, no bounces and ambient light as an
//     emission term to stay close to it. Colours differ by a few percent;
//     only the masks are required to agree (IoU >= 0.9; they match exactly
//     in the parity test).
//   - The Blender backend needs the Debian package "blender" (3.4): Cycles on
//     CPU only, no denoiser. EEVEE and Workbench need a GPU context and are
//     not used.
package blender

// Package blender holds the two renderers that turn scenes (blender/scene)
// into images with instance masks: Embedded, cgx's pure Go rasteriser and
// the default, and Cycles, which runs the system's Blender. Its
// sub-packages hold the rest of the image side: blender/scene (the scene
// model, its geometry, the scene families and the content spaces),
// blender/datasets (datasets generated from scenes or read from user image
// folders, stored as artifacts), blender/style (the style domains applied
// to renders), blender/srgb (the sRGB curve) and blender/imageio (PNG
// encoding, whose bytes name every stored image).
//
// # Vocabulary
//
//   - Renderer: Render(ctx, scenes) returns one Frame per scene: sRGB colour
//     and an instance Mask (object id per pixel, 0 = background and shelf,
//     ids in scene order from 1; a pixel's id is the object hit through its
//     centre). The conformance suite in blender/rendertest holds both
//     renderers to the Renderer contract.
//   - Prepared scene: a scene in world-space triangles (prepare.go), built
//     once from scene.ProductMeshLOD and scene.ShelfMesh; both renderers
//     draw it, so the Blender backend receives the very triangles the
//     embedded renderer draws. Both use scene.CameraModel and its
//     pixel-centre convention (pixel (i, j) covers [i, i+1)×[j, j+1), its
//     centre is at (i+0.5, j+0.5)).
//   - BenchRender: the embedded renderer against Cycles on the same scenes
//     (cgx bench render).
//
// # Caveats
//
//   - Bytes are the same on every architecture for a given Go release: every
//     product that is added is rounded first (no fused multiply-add) and the
//     elementary functions come from internal/fmath. A change that moves
//     rendered pixels moves dataset digests, so it bumps
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

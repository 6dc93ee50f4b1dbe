// Package scene is the scene model both renderers draw: products on an
// optional shelf or table, one camera, lights; the product catalogue and its
// meshes; the scene families datasets are generated from; and the content
// spaces that experiments 1 and 2 search.
//
// # Vocabulary
//
//   - Scene: products on an optional shelf, seen by one camera under
//     directional lights plus ambient light. World units are metres, +Z is
//     up, the shelf front faces -Y and the usual camera looks along +Y.
//     Scenes round-trip through JSON (Decode, ReadFile, Scene.EncodeJSON),
//     validate with Scene.Validate and are named by Scene.Digest (SHA-256 of
//     the canonical JSON of the normalised scene). Example gives the
//     built-in example scenes (ExampleKinds).
//   - Product kind: one of the catalogue entries in ProductKinds (350 ml and
//     500 ml bottles, 1.5 L and 2 L bottles, 330 ml and 500 ml cans, 1 L and
//     2 L gable-top cartons) with real dimensions, a cap and a label band.
//     An object's position is the centre of its bounding box; its rotation is
//     an Euler XYZ triple in degrees with Blender's convention
//     (R = Rz·Ry·Rx, EulerXYZ). A rotation of (90, 0, 0) lays a product down
//     with its top pointing at -Y, i.e. towards a camera in front of the
//     shelf. RestingZ puts an object down on a surface.
//   - Geometry: the triangles of each product (ProductMeshLOD, at a level of
//     detail chosen from its size on screen by LODFor) and of the shelf
//     (ShelfMesh), with a material per triangle (MatBody, MatCap, MatLabel,
//     MatShelf); CameraModel projects world points to pixels (ProjectPoint).
//     The renderers in package blender draw exactly this geometry.
//   - Generator: a scene family (Generators: products, exp1-lying and
//     exp1-standing, exp2-shelf and exp2-random); Generate gives scene i of a
//     family for a seed, depending on nothing else, and GeneratorLabel the
//     label its images carry. blender/datasets renders families into stored
//     datasets.
//   - Content space: the searchable scene parameters of experiments 1 and 2
//     (ContentSpace, NewContentSpace) and the function that builds a Scene
//     from a trial's parameters.
//
// # Caveats
//
//   - Geometry and scene generation give the same bits on every
//     architecture: products are rounded before they are added (no fused
//     multiply-add) and elementary functions come from internal/fmath. A
//     change that moves a generated scene or a mesh moves dataset digests,
//     so it bumps datasets.GeneratorVersion.
//   - Validation reports every problem of a scene at once, wrapping
//     ErrInvalidScene (and ErrUnknownProduct for an unknown kind); limits are
//     MaxObjects, MaxLights and MinResolution..MaxResolution.
package scene

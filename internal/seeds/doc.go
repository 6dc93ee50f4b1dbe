// Package seeds derives every seed cgx uses from a parent seed and a name.
//
// Vocabulary:
//   - parent: the seed of a run, stage, trial or image;
//   - name: a path-like label of the random stream ("dataset/pair",
//     "init/conv1.weight", "shuffle/epoch-3", "manip/noise");
//   - child: the seed of that stream, SHA-256(parent as 8 little-endian
//     bytes ‖ name), first 8 bytes read little endian.
//
// Contract: a child depends only on (parent, name), never on call order, the
// number of workers or the machine, so adding a stream changes no other and a
// run's seeds are the same on every architecture. The derivation is frozen by
// test vectors (cross-checked with Python's hashlib); changing it changes
// every stored result, so it must come with a bump of experiments.CodeVersion.
//
// Before code version cgx-stages-2 there were five copies of this function in
// two byte orders (blender and study read big endian); all now call Child.
//
// Caveats: Int63 drops the top bit of Child so seeds stored as int64 (specs,
// trial attributes) are never negative; PCG keys a generator with the first
// 16 bytes of the same hash, so PCG(p, n) and Child(p, n) are not independent
// streams and must not both feed the same random process.
package seeds

// Package seg is cgx's instance segmentation network for one class (product
// vs background): a small U-Net in gorgonia that predicts, per pixel, a
// foreground map and an interior map, and an instance extractor that turns
// the two maps into scored instance masks for COCO mask AP (ml/coco).
//
// # Vocabulary
//
//   - Instance map: an image-sized map of int32 instance ids, 0 for
//     background (InstanceMaps). Training data and ground truth come as such
//     maps.
//   - Foreground target: 1 where the id is positive. Interior target: 1 on
//     instance pixels whose neighbours within Config.Border pixels
//     (chessboard distance, inside the image) all carry the same id, so
//     touching instances have separate interiors.
//   - Seed: a 4-connected component of predicted interior. Instance: a seed
//     grown back over the predicted foreground (breadth-first from all seeds
//     at once), plus foreground components no seed reached; its score is its
//     mean foreground probability.
//
// # Network
//
// Level l of len(Config.Channels) works at Size/2^l: two 3x3 convolutions
// with ReLU (ml/nn's Conv2D), 2x2 max pooling between levels; the decoder
// upsamples (nearest, Upsample2x), concatenates the encoder's features of
// the same level (ConcatChannels) and applies two 3x3 convolutions; a 1x1
// convolution gives the two logit maps. Loss: SigmoidBCE, the mean binary
// cross-entropy of each map, summed. Optimiser: ml/nn's Adam. Weights start
// He-uniform from named seed streams, biases at zero.
//
// # Determinism
//
// Initialisation and shuffling use named child seeds (seeds.Child); the
// layers split work with a fixed decomposition and this package's own ops
// (upsampling, concatenation, loss) run sequentially, so training and
// prediction give the same bits whatever GOMAXPROCS is (tested). Results do
// depend on the BLAS backend (OpenBLAS and pure Go round differently).
//
// # Caveats
//
// The network takes square Size x Size RGB images; the caller resizes.
// Instances are whatever the extractor finds: no non-maximum suppression,
// no limit on their number (COCOeval keeps the 100 best per image).
// Training is plain full-batch-order Adam without augmentation.
package seg

// Package coco reads and writes COCO JSON and computes COCO mask AP exactly as
// pycocotools' COCOeval does for iouType "segm".
//
// # Vocabulary
//
//   - Mask: a binary image, row-major (Pix[y*W+x]).
//   - RLE: COCO's run-length encoding of a mask: runs over the pixels in
//     column-major order (down each column, then the next column), alternating
//     0s and 1s and always starting with a (possibly empty) run of 0s.
//     Compressed RLE is the string form ("counts" as a string); uncompressed
//     RLE keeps counts as a list of numbers.
//   - Ground truth (GT): a Dataset (images, annotations, categories) read from
//     a COCO annotation file. A crowd annotation (iscrowd=1) marks a region
//     whose detections are neither rewarded nor punished.
//   - Results (DT): a list of Result (image, category, mask, score), the
//     format detectors write and COCOeval.loadRes reads.
//   - Stats: the twelve summary figures in COCOeval.summarize order: AP,
//     AP50, AP75, AP small/medium/large, AR at 1/10/100 detections, AR
//     small/medium/large.
//
// # What "exactly" means
//
// The mask operations (encode, decode, area, bbox, IoU, polygon
// rasterisation, merge, the string codec) follow the C code in pycocotools'
// maskApi.c step by step, including its quirks: the polygon rasteriser works
// on a 5x upsampled boundary; a polygon list whose first polygon has exactly
// four numbers is read as a list of boxes; IoU is first screened by bounding
// boxes; masks of different sizes get IoU -1; against a crowd region IoU is
// the intersection over the detection's own area.
//
// The evaluation follows cocoeval.py: IoU thresholds and recall points are
// built the way numpy.linspace builds them (so the 0.90 threshold is
// 0.8999999999999999 and recall point 0.35 is 0.35000000000000003); every
// sort is stable (numpy's kind='mergesort'); detections are matched greedily
// in score order; the ground truth area used for area ranges is the "area"
// field of the file, the detection area is the mask area (or the box area
// when the first result carries a non-empty "bbox", as loadRes does);
// detection ids are assigned 1..N in file order; a matched ground truth whose
// id is 0 counts as unmatched (pycocotools stores matches as ids and tests
// them for non-zero, hence "annotation ids from 1"); categories without
// non-ignored ground truth get -1 and drop out of the means; a summary figure
// with nothing to average is -1. Means are summed the way numpy sums (pairwise
// in blocks of eight), so stats agree with pycocotools to the last bit, not
// only to the printed three decimals.
//
// # Caveats
//
// Where pycocotools has undefined behaviour or crashes, this package returns
// an error instead: RLE counts that do not add up to height*width, negative
// or overflowing counts, malformed count strings, non-finite or absurdly
// large polygon coordinates, duplicate image or annotation ids, annotations
// missing "area" or "iscrowd", results whose image is not in the ground
// truth. An empty results list, which makes pycocotools raise IndexError, is
// evaluated as "no detections" (AP 0 for every category with ground truth).
// Only the default COCOeval parameters (segm, useCats=1) are implemented.
package coco

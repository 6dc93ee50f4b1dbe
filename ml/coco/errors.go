package coco

import "errors"

// Sentinel errors; compare with errors.Is. Messages built on them name the
// file, annotation or result at fault.
var (
	// ErrBadRLE marks run-length counts that do not describe a mask of the
	// stated size, or a count string that cannot be decoded.
	ErrBadRLE = errors.New("invalid RLE")
	// ErrBadPolygon marks a polygon that cannot be rasterised (too few or
	// non-finite coordinates, or one too large to rasterise).
	ErrBadPolygon = errors.New("invalid polygon")
	// ErrBadMask marks a Mask whose pixel slice does not match its size.
	ErrBadMask = errors.New("invalid mask")
	// ErrBadDataset marks ground truth JSON that is malformed or lacks a field
	// COCOeval needs.
	ErrBadDataset = errors.New("invalid COCO ground truth")
	// ErrBadResults marks a results JSON that is malformed or lacks a field
	// COCOeval needs.
	ErrBadResults = errors.New("invalid COCO results")
	// ErrUnknownImage marks a result whose image_id is not an image of the
	// ground truth (pycocotools: "Results do not correspond to current coco set").
	ErrUnknownImage = errors.New("result image not in ground truth")
)

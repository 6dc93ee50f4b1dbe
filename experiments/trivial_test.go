package experiments

import (
	"bytes"
	"context"
	"testing"

	"github.com/cgx-dev/cgx/ml/coco"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// trivialAP is the mask AP of the trivial predictor on a segmentation
// stage's evaluation set: each image's whole ground-truth foreground as one
// instance with score 1 (issue 4's baseline to beat).
func trivialAP(t *testing.T, st *bolt.Store, stage tracker.Stage) float64 {
	t.Helper()
	b, _, err := st.GetArtifact(context.Background(), stage.Outputs["coco_gt"])
	if err != nil {
		t.Fatal(err)
	}
	gt, err := coco.ReadDataset(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var results []coco.Result
	for _, img := range gt.Images {
		fg := coco.NewMask(img.Height, img.Width)
		for _, a := range gt.Annotations {
			if a.ImageID != img.ID {
				continue
			}
			r, err := a.Segmentation.ToRLE(img.Height, img.Width)
			if err != nil {
				t.Fatal(err)
			}
			for i, on := range r.Decode().Pix {
				fg.Pix[i] = fg.Pix[i] || on
			}
		}
		if fg.Area() == 0 {
			continue
		}
		res, err := coco.NewResult(img.ID, gt.Categories[0].ID, fg, 1)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
	}
	ev, err := coco.Evaluate(gt, results)
	if err != nil {
		t.Fatal(err)
	}
	return ev.Stats[0]
}

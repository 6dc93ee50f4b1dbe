package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cgx-dev/cgx/ml/coco"
)

const evalUsage = `Usage: cgx eval ap --gt GT.json --dt RESULTS.json [--json]

Scores instance masks with COCO mask AP exactly as pycocotools' COCOeval
(iouType "segm") does, and prints its twelve summary figures in COCOeval's
order with COCOeval's labels, so the output can be compared line by line with
pycocotools:

  AP (IoU .50:.95), AP50, AP75, AP small/medium/large,
  AR at 1/10/100 detections per image, AR small/medium/large.

GT.json is a COCO annotation file (images, annotations with polygon or RLE
masks, area and iscrowd, categories). RESULTS.json is a COCO results list:
[{"image_id", "category_id", "segmentation": {"size", "counts"}, "score"}].
A figure with no ground truth in its range prints as -1.000.

With --json, prints one object: "stats" is the list of the twelve numbers
(full precision, as COCOeval.stats), with the same figures by name beside it
(AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl) and counts.

Examples:
  cgx eval ap --gt real-test.gt.json --dt baseline.results.json
  cgx eval ap --gt real-test.gt.json --dt baseline.results.json --json | jq .AP

Check against pycocotools:
  python3 -c "from pycocotools.coco import COCO; from pycocotools.cocoeval import COCOeval
  g = COCO('GT.json'); E = COCOeval(g, g.loadRes('RESULTS.json'), 'segm')
  E.evaluate(); E.accumulate(); E.summarize(); print(list(E.stats))"`

type evalAPOptions struct {
	gt, dt string
	json   bool
}

func init() {
	register(&command{name: "eval", summary: "score instance masks with COCO mask AP (eval ap)", usage: evalUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
				fmt.Fprintln(g.stderr, evalUsage)
				if len(args) == 0 {
					return errUsage
				}
				return nil
			}
			if args[0] != "ap" {
				return g.usageErrorf("unknown eval subject %q; the only one is 'ap' (cgx eval ap --gt GT.json --dt RESULTS.json)", args[0])
			}
			var o evalAPOptions
			fs := g.newFlagSet("eval ap", evalUsage)
			fs.StringVar(&o.gt, "gt", "", "COCO ground truth `file` (annotations)")
			fs.StringVar(&o.dt, "dt", "", "COCO results `file` (detections with RLE masks and scores)")
			fs.BoolVar(&o.json, "json", false, "print JSON: {\"stats\": [12 numbers], \"AP\": ..., ...}")
			rest, err := parseFlags(fs, args[1:])
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("eval ap takes no arguments, got %q; name the files with --gt and --dt", rest[0])
			}
			if o.gt == "" || o.dt == "" {
				return g.usageErrorf("eval ap needs both --gt GT.json and --dt RESULTS.json")
			}
			return runEvalAP(ctx, o, g)
		}})
}

// evalAPReport is the --json output of 'cgx eval ap'.
type evalAPReport struct {
	GT             string     `json:"gt"`
	DT             string     `json:"dt"`
	Stats          coco.Stats `json:"stats"`
	AP             float64    `json:"AP"`
	AP50           float64    `json:"AP50"`
	AP75           float64    `json:"AP75"`
	APs            float64    `json:"APs"`
	APm            float64    `json:"APm"`
	APl            float64    `json:"APl"`
	AR1            float64    `json:"AR1"`
	AR10           float64    `json:"AR10"`
	AR100          float64    `json:"AR100"`
	ARs            float64    `json:"ARs"`
	ARm            float64    `json:"ARm"`
	ARl            float64    `json:"ARl"`
	Images         int        `json:"images"`
	Categories     int        `json:"categories"`
	GroundTruth    int        `json:"ground_truth"`
	Crowd          int        `json:"crowd"`
	Detections     int        `json:"detections"`
	DetectionsKept int        `json:"detections_kept"`
}

func runEvalAP(_ context.Context, o evalAPOptions, g *globals) error {
	gt, err := coco.LoadDataset(o.gt)
	if err != nil {
		return jsonErrorAt(o.gt, err)
	}
	if len(gt.Categories) == 0 {
		// pycocotools' COCOeval raises on it; an AP over no category means nothing.
		return fmt.Errorf("read ground truth %s: %w: no \"categories\"; list every category the annotations use, e.g. \"categories\": [{\"id\": 1, \"name\": \"object\"}]", o.gt, coco.ErrBadDataset)
	}
	dt, err := coco.LoadResults(o.dt)
	if err != nil {
		return jsonErrorAt(o.dt, err)
	}
	ev, err := coco.Evaluate(gt, dt)
	if err != nil {
		if errors.Is(err, coco.ErrUnknownImage) {
			return fmt.Errorf("evaluate %s against %s: %w; the results must come from images listed in %s", o.dt, o.gt, err, o.gt)
		}
		return fmt.Errorf("evaluate %s against %s: %w", o.dt, o.gt, err)
	}
	s := ev.Stats
	if o.json {
		rep := evalAPReport{
			GT: o.gt, DT: o.dt, Stats: s,
			AP: s[0], AP50: s[1], AP75: s[2], APs: s[3], APm: s[4], APl: s[5],
			AR1: s[6], AR10: s[7], AR100: s[8], ARs: s[9], ARm: s[10], ARl: s[11],
			Images: ev.Images, Categories: ev.Categories, GroundTruth: ev.GroundTruth, Crowd: ev.Crowd,
			Detections: ev.Detections, DetectionsKept: ev.DetectionsKept,
		}
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(g.stderr, "cgx eval ap: %d images, %d categories, %d ground truth objects (%d crowd), %d detections (%d kept, at most 100 per image and category)\n",
		ev.Images, ev.Categories, ev.GroundTruth, ev.Crowd, ev.Detections, ev.DetectionsKept)
	for _, line := range s.Lines() {
		if _, err := fmt.Fprintln(g.stdout, line); err != nil {
			return err
		}
	}
	return nil
}

package reports

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // artifacts may be JPEG
	_ "image/png"
	"sort"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cgx-dev/cgx/tracker"
)

// maxImagePixels bounds the size of an artifact image a figure decodes.
const maxImagePixels = 4096 * 4096

// gridPerOutcome is how many succeeded and how many failed images a
// before/after grid shows; bestImages how many images the best-content figure shows.
const (
	gridPerOutcome = 4
	bestImages     = 8
)

// loadImage reads and decodes artifact id; a nil image (with no error) means
// the artifact is missing or not a decodable image, which figures show as a
// grey "missing" tile. Only a cancelled context is an error.
func loadImage(ctx context.Context, src Source, id tracker.ID) (image.Image, error) {
	if id.IsZero() {
		return nil, nil
	}
	data, _, err := src.GetArtifact(ctx, id)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("read image %s: %w", id, ctx.Err())
		}
		return nil, nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return nil, nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, nil
	}
	return img, nil
}

// drawTile draws img (or a missing tile) into r with an optional border.
func drawTile(c draw.Canvas, r vg.Rectangle, img image.Image, border color.Color) {
	if img == nil {
		c.FillPolygon(color.Gray{Y: 215}, rectPts(r))
		sty := textStyle(8, false, color.Gray{Y: 80})
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
		c.FillText(sty, vg.Point{X: (r.Min.X + r.Max.X) / 2, Y: (r.Min.Y + r.Max.Y) / 2}, "image missing")
	} else {
		// keep the aspect ratio inside r
		b := img.Bounds()
		w, h := r.Max.X-r.Min.X, r.Max.Y-r.Min.Y
		aspect := vg.Length(b.Dx()) / vg.Length(b.Dy())
		if w/h > aspect {
			nw := h * aspect
			r.Min.X += (w - nw) / 2
			r.Max.X = r.Min.X + nw
		} else {
			nh := w / aspect
			r.Min.Y += (h - nh) / 2
			r.Max.Y = r.Min.Y + nh
		}
		c.DrawImage(r, img)
	}
	if border != nil {
		pts := rectPts(r)
		c.StrokeLines(draw.LineStyle{Color: border, Width: vg.Points(2)}, append(pts, pts[0]))
	}
}

func rectPts(r vg.Rectangle) []vg.Point {
	return []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}}
}

func confText(t Trial) string {
	if t.Confidence >= 0 {
		return "p " + formatFloat(t.Confidence, 2)
	}
	return "loss " + formatFloat(t.Value, 3)
}

// gridFigure draws before/after pairs of a style study: the first
// succeeded and the first failed images by trial number.
func gridFigure(s StudyData, name string) (Figure, bool) {
	var ok, bad []Trial
	nOK, nAll := 0, 0
	for _, t := range s.Complete() {
		nAll++
		succ := s.succeeded(t)
		if succ {
			nOK++
		}
		if t.Source.IsZero() && t.Result.IsZero() {
			continue
		}
		if succ && len(ok) < gridPerOutcome {
			ok = append(ok, t)
		} else if !succ && len(bad) < gridPerOutcome {
			bad = append(bad, t)
		}
	}
	if len(ok)+len(bad) == 0 {
		return Figure{}, false
	}
	const cell, labelH, gap = 1.0 * vg.Inch, 0.28 * vg.Inch, 0.08 * vg.Inch
	rows := max(len(ok), len(bad))
	blockW := 2*cell + gap
	title := fmt.Sprintf("Before and after: %s", figureLabel(s))
	width := fitTitle(2*blockW+0.5*vg.Inch+0.4*vg.Inch, title)
	height := 0.35*vg.Inch + 0.5*vg.Inch + vg.Length(rows)*(cell+labelH) + 0.1*vg.Inch
	type block struct {
		head   string
		color  color.NRGBA
		trials []Trial
	}
	blocks := []block{
		{fmt.Sprintf("succeeded (%d of %d)", nOK, nAll), okColor, ok},
		{fmt.Sprintf("failed (%d of %d)", nAll-nOK, nAll), failColor, bad},
	}
	return Figure{
		Name:  name,
		Title: title,
		Caption: fmt.Sprintf("Input image (before) and manipulated image (after) for the first %d succeeded and the first %d failed images by trial number; "+
			"the frame is green when the discriminator took the result for the target domain, red when not; p is its final confidence.", gridPerOutcome, gridPerOutcome),
		Studies: []int{s.ID},
		Width:   width,
		Height:  height,
		prepare: func(ctx context.Context, src Source) (func(draw.Canvas), error) {
			imgs := map[tracker.ID]image.Image{}
			for _, b := range blocks {
				for _, t := range b.trials {
					for _, id := range []tracker.ID{t.Source, t.Result} {
						if _, done := imgs[id]; done {
							continue
						}
						img, err := loadImage(ctx, src, id)
						if err != nil {
							return nil, err
						}
						imgs[id] = img
					}
				}
			}
			return func(c draw.Canvas) {
				c = drawTitle(c, title)
				x0 := c.Min.X + (c.Max.X-c.Min.X-2*blockW-0.5*vg.Inch)/2
				for bi, b := range blocks {
					left := x0 + vg.Length(bi)*(blockW+0.5*vg.Inch)
					top := c.Max.Y - 0.05*vg.Inch
					head := textStyle(10, true, b.color)
					head.XAlign, head.YAlign = draw.XCenter, draw.YTop
					c.FillText(head, vg.Point{X: left + blockW/2, Y: top}, b.head)
					sub := textStyle(8, false, color.Gray{Y: 70})
					sub.XAlign, sub.YAlign = draw.XCenter, draw.YTop
					c.FillText(sub, vg.Point{X: left + cell/2, Y: top - 0.22*vg.Inch}, "before")
					c.FillText(sub, vg.Point{X: left + cell + gap + cell/2, Y: top - 0.22*vg.Inch}, "after")
					if len(b.trials) == 0 {
						c.FillText(sub, vg.Point{X: left + blockW/2, Y: top - 0.5*vg.Inch - cell/2}, "none")
					}
					for i, t := range b.trials {
						y := top - 0.45*vg.Inch - vg.Length(i)*(cell+labelH)
						before := vg.Rectangle{Min: vg.Point{X: left, Y: y - cell}, Max: vg.Point{X: left + cell, Y: y}}
						after := vg.Rectangle{Min: vg.Point{X: left + cell + gap, Y: y - cell}, Max: vg.Point{X: left + blockW, Y: y}}
						drawTile(c, before, imgs[t.Source], nil)
						drawTile(c, after, imgs[t.Result], b.color)
						lab := textStyle(8, false, color.Black)
						lab.XAlign, lab.YAlign = draw.XCenter, draw.YTop
						img := t.Image
						if img < 0 {
							img = t.Number
						}
						c.FillText(lab, vg.Point{X: left + blockW/2, Y: y - cell - 0.04*vg.Inch},
							fmt.Sprintf("image %d · %s", img, confText(t)))
					}
				}
			}, nil
		},
	}, true
}

// bestFigure draws the rendered scenes of a round's lowest-loss trials.
func bestFigure(k roundKey, studies []StudyData, name string) (Figure, bool) {
	type pick struct {
		s StudyData
		t Trial
	}
	var picks []pick
	for _, s := range studies {
		for _, t := range s.Complete() {
			if !t.Result.IsZero() {
				picks = append(picks, pick{s, t})
			}
		}
	}
	if len(picks) == 0 {
		return Figure{}, false
	}
	sort.SliceStable(picks, func(i, j int) bool {
		if picks[i].t.Value != picks[j].t.Value {
			return picks[i].t.Value < picks[j].t.Value
		}
		if picks[i].s.ID != picks[j].s.ID {
			return picks[i].s.ID < picks[j].s.ID
		}
		return picks[i].t.Number < picks[j].t.Number
	})
	picks = picks[:min(len(picks), bestImages)]
	const cell, labelH, gap = 1.2 * vg.Inch, 0.4 * vg.Inch, 0.15 * vg.Inch
	cols := min(4, len(picks))
	rows := (len(picks) + cols - 1) / cols
	title := fmt.Sprintf("Best scenes: %s", k)
	width := fitTitle(vg.Length(cols)*(cell+gap)+0.4*vg.Inch, title)
	return Figure{
		Name:  name,
		Title: title,
		Caption: fmt.Sprintf("The %d rendered scenes with the lowest loss over all samplers and seeds of the round, best first, "+
			"with their loss and discriminator confidence; green frame: success.", len(picks)),
		Studies: studyIDs(studies),
		Width:   width,
		Height:  0.45*vg.Inch + vg.Length(rows)*(cell+labelH),
		prepare: func(ctx context.Context, src Source) (func(draw.Canvas), error) {
			imgs := make([]image.Image, len(picks))
			for i, p := range picks {
				img, err := loadImage(ctx, src, p.t.Result)
				if err != nil {
					return nil, err
				}
				imgs[i] = img
			}
			return func(c draw.Canvas) {
				c = drawTitle(c, title)
				x0 := c.Min.X + (c.Max.X-c.Min.X-vg.Length(cols)*(cell+gap)+gap)/2
				for i, p := range picks {
					col, row := i%cols, i/cols
					x := x0 + vg.Length(col)*(cell+gap)
					y := c.Max.Y - 0.05*vg.Inch - vg.Length(row)*(cell+labelH)
					border := color.Color(failColor)
					if p.s.succeeded(p.t) {
						border = okColor
					}
					drawTile(c, vg.Rectangle{Min: vg.Point{X: x, Y: y - cell}, Max: vg.Point{X: x + cell, Y: y}}, imgs[i], border)
					lab := textStyle(8, false, color.Black)
					lab.XAlign, lab.YAlign = draw.XCenter, draw.YTop
					c.FillText(lab, vg.Point{X: x + cell/2, Y: y - cell - 0.04*vg.Inch},
						fmt.Sprintf("loss %s · %s", formatFloat(p.t.Value, 3), confText(p.t)))
					c.FillText(lab, vg.Point{X: x + cell/2, Y: y - cell - 0.2*vg.Inch}, trialLabel(p.s, p.t))
				}
			}, nil
		},
	}, true
}

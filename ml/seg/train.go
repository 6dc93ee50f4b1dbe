package seg

import (
	"context"
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/internal/seeds"
	"github.com/cgx-dev/cgx/ml/nn"
)

// Train fits the model with Adam on the sum of two mean binary
// cross-entropies: foreground and interior maps made from the instance maps
// (see Config.Border). Every epoch visits all images once in an order
// shuffled from tc.Seed. The same model, data and config give the same
// weights and losses bit for bit, whatever GOMAXPROCS is.
func (m *Model) Train(ctx context.Context, tc TrainConfig, images Images, masks InstanceMaps) (Report, error) {
	tc, err := tc.withDefaults()
	if err != nil {
		return Report{}, fmt.Errorf("train segmentation: %w", err)
	}
	if err := m.checkData(images, masks); err != nil {
		return Report{}, fmt.Errorf("train segmentation: %w", err)
	}
	if images.Len() == 0 {
		return Report{}, fmt.Errorf("train segmentation: %w: no training images", ErrInput)
	}
	if (tc.HeldOutImages == nil) != (tc.HeldOutMasks == nil) {
		return Report{}, fmt.Errorf("train segmentation: %w: held-out images and instance maps go together", ErrInput)
	}
	if tc.HeldOutImages != nil {
		if err := m.checkData(tc.HeldOutImages, tc.HeldOutMasks); err != nil {
			return Report{}, fmt.Errorf("train segmentation: held-out set: %w", err)
		}
	}
	tr, err := m.newTrainer(tc.LR)
	if err != nil {
		return Report{}, fmt.Errorf("train segmentation: %w", err)
	}
	defer m.invalidate()
	n := images.Len()
	order := make([]int, n)
	steps := (n + tc.BatchSize - 1) / tc.BatchSize
	size, pix := m.cfg.imageSize(), m.cfg.Size*m.cfg.Size
	x := make([]float32, tc.BatchSize*size)
	t := make([]float32, tc.BatchSize*Outputs*pix)
	labels := make([]int32, pix)
	var rep Report
	for e := 1; e <= tc.Epochs; e++ {
		for i := range order {
			order[i] = i
		}
		nn.Shuffle(order, nn.NewRand(seeds.Child(uint64(tc.Seed), fmt.Sprintf("shuffle/epoch-%d", e))))
		var lossSum float64
		for s := 0; s < steps; s++ {
			if err := ctx.Err(); err != nil {
				return rep, fmt.Errorf("train segmentation: %w", err)
			}
			idx := order[s*tc.BatchSize : min(n, (s+1)*tc.BatchSize)]
			for b, k := range idx {
				if err := images.Load(k, x[b*size:(b+1)*size]); err != nil {
					return rep, fmt.Errorf("train segmentation: load image %d: %w", k, err)
				}
				if tc.Augment != nil {
					if err := tc.Augment(e, k, x[b*size:(b+1)*size]); err != nil {
						return rep, fmt.Errorf("train segmentation: augment image %d in epoch %d: %w", k, e, err)
					}
				}
				if err := masks.Load(k, labels); err != nil {
					return rep, fmt.Errorf("train segmentation: load instance map %d: %w", k, err)
				}
				tb := t[b*Outputs*pix : (b+1)*Outputs*pix]
				targets(labels, m.cfg.Size, m.cfg.Size, m.cfg.Border, tb[:pix], tb[pix:])
			}
			loss, err := tr.step(x[:len(idx)*size], t[:len(idx)*Outputs*pix], len(idx))
			if err != nil {
				return rep, fmt.Errorf("train segmentation: epoch %d step %d: %w", e, s+1, err)
			}
			rep.Losses = append(rep.Losses, loss)
			lossSum += float64(float64(loss) * float64(len(idx)))
			if tc.Progress != nil {
				tc.Progress(Progress{Epoch: e, Epochs: tc.Epochs, Step: s + 1, Steps: steps, Loss: loss})
			}
		}
		rep.EpochLoss = append(rep.EpochLoss, lossSum/float64(n))
		if tc.HeldOutImages != nil && tc.HeldOutImages.Len() > 0 {
			l, err := m.heldOutLoss(ctx, tc.HeldOutImages, tc.HeldOutMasks, tc.BatchSize)
			if err != nil {
				return rep, fmt.Errorf("train segmentation: epoch %d held-out loss: %w", e, err)
			}
			rep.HeldOutLoss = append(rep.HeldOutLoss, l)
		}
	}
	return rep, nil
}

// heldOutLoss is the training loss (the sum of the foreground and interior
// maps' mean binary cross-entropies) of the current weights on images,
// computed from the logits in float64 in a fixed order with fmath, so it
// is the same bits on every machine.
func (m *Model) heldOutLoss(ctx context.Context, images Images, masks InstanceMaps, batch int) (float64, error) {
	m.invalidate() // inference graphs built before this epoch's updates
	n, pix := images.Len(), m.cfg.Size*m.cfg.Size
	labels := make([]int32, pix)
	fg, in := make([]float32, pix), make([]float32, pix)
	var sum float64
	for from := 0; from < n; from += batch {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		k := min(batch, n-from)
		z, err := m.logits(images, from, k)
		if err != nil {
			return 0, err
		}
		for b := 0; b < k; b++ {
			if err := masks.Load(from+b, labels); err != nil {
				return 0, fmt.Errorf("load instance map %d: %w", from+b, err)
			}
			targets(labels, m.cfg.Size, m.cfg.Size, m.cfg.Border, fg, in)
			base := b * Outputs * pix
			for p := 0; p < pix; p++ {
				sum += bce(float64(z[base+OutForeground*pix+p]), float64(fg[p]))
				sum += bce(float64(z[base+OutInterior*pix+p]), float64(in[p]))
			}
		}
	}
	return sum / float64(n*pix), nil
}

// bce is the binary cross-entropy of logit z against target t, in the
// stable form max(z, 0) - z·t + log(1 + exp(-|z|)).
func bce(z, t float64) float64 {
	return max(z, 0) - float64(z*t) + fmath.Log1p(fmath.Exp(-math.Abs(z)))
}

// checkData validates images and instance maps against the model.
func (m *Model) checkData(images Images, masks InstanceMaps) error {
	if images == nil || masks == nil {
		return fmt.Errorf("%w: nil images or instance maps", ErrInput)
	}
	if images.Len() != masks.Len() {
		return fmt.Errorf("%w: %d images but %d instance maps", ErrInput, images.Len(), masks.Len())
	}
	if err := m.checkImages(images); err != nil {
		return err
	}
	if h, w := masks.Size(); masks.Len() > 0 && (h != m.cfg.Size || w != m.cfg.Size) {
		return fmt.Errorf("%w: instance maps are %dx%d, the model takes %dx%d", ErrInput, w, h, m.cfg.Size, m.cfg.Size)
	}
	return nil
}

func (m *Model) checkImages(images Images) error {
	if images == nil {
		return fmt.Errorf("%w: nil images", ErrInput)
	}
	if h, w := images.Size(); images.Len() > 0 && (h != m.cfg.Size || w != m.cfg.Size) {
		return fmt.Errorf("%w: images are %dx%d, the model takes %dx%d; resize them or build the model with Size %d",
			ErrInput, w, h, m.cfg.Size, m.cfg.Size, h)
	}
	return nil
}

// trainer runs Adam steps on a model's weights.
type trainer struct {
	m      *Model
	adam   *nn.Adam
	graphs map[int]*trainGraph
	params [][]float32
	grads  [][]float32
}

type trainGraph struct {
	x, t, w *tensor.Dense // input, targets and per-pixel weights bound to the graph
	loss    *gorgonia.Node
	grads   gorgonia.Nodes
	vm      gorgonia.VM
}

func (m *Model) newTrainer(lr float64) (*trainer, error) {
	sizes := make([]int, len(m.params))
	params := make([][]float32, len(m.params))
	for i, p := range m.params {
		params[i] = p.Data()
		sizes[i] = len(params[i])
	}
	adam, err := nn.NewAdam(nn.AdamConfig{LR: lr}, sizes...)
	if err != nil {
		return nil, err
	}
	return &trainer{m: m, adam: adam, graphs: map[int]*trainGraph{}, params: params, grads: make([][]float32, len(m.params))}, nil
}

// graphFor builds (once per batch size n) the training graph: logits, the
// weighted BCE against the targets, and the gradients of every parameter.
func (tr *trainer) graphFor(n int) (*trainGraph, error) {
	if tg, ok := tr.graphs[n]; ok {
		return tg, nil
	}
	m, s := tr.m, tr.m.cfg.Size
	g := gorgonia.NewGraph()
	xt := tensor.New(tensor.WithShape(n, InputChannels, s, s), tensor.Of(tensor.Float32))
	tt := tensor.New(tensor.WithShape(n, Outputs, s, s), tensor.Of(tensor.Float32))
	wt := tensor.New(tensor.WithShape(n, Outputs, s, s), tensor.Of(tensor.Float32))
	// both maps weigh 1/(n·s·s): the loss is the sum of the two means
	wd := wt.Data().([]float32)
	for i := range wd {
		wd[i] = 1 / float32(n*s*s)
	}
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(xt.Shape()...), gorgonia.WithValue(xt), gorgonia.WithName("x"))
	t := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(tt.Shape()...), gorgonia.WithValue(tt), gorgonia.WithName("targets"))
	w := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(wt.Shape()...), gorgonia.WithValue(wt), gorgonia.WithName("weights"))
	nodes := make([]*gorgonia.Node, len(m.params))
	for i, p := range m.params {
		ps := p.Value.Shape()
		nodes[i] = gorgonia.NewTensor(g, tensor.Float32, ps.Dims(), gorgonia.WithShape(ps...), gorgonia.WithValue(p.Value), gorgonia.WithName(p.Name))
	}
	logits, err := m.forward(x, nodes)
	if err != nil {
		return nil, err
	}
	loss, err := SigmoidBCE(logits, t, w)
	if err != nil {
		return nil, err
	}
	grads, err := gorgonia.Grad(loss, nodes...)
	if err != nil {
		return nil, fmt.Errorf("differentiate segmentation network: %w", err)
	}
	tg := &trainGraph{x: xt, t: tt, w: wt, loss: loss, grads: grads, vm: nn.NewTapeMachine(g)}
	tr.graphs[n] = tg
	return tg, nil
}

// step runs one Adam step on a batch of n images (x) and their target maps
// (t, [n, 2, Size, Size]) and returns the loss before the update.
func (tr *trainer) step(x, t []float32, n int) (float32, error) {
	tg, err := tr.graphFor(n)
	if err != nil {
		return 0, err
	}
	copy(tg.x.Data().([]float32), x)
	copy(tg.t.Data().([]float32), t)
	defer tg.vm.Reset()
	if err := tg.vm.RunAll(); err != nil {
		return 0, fmt.Errorf("run: %w", err)
	}
	loss, err := nn.ScalarFloat32(tg.loss.Value())
	if err != nil {
		return 0, err
	}
	for i, gn := range tg.grads {
		tr.grads[i] = gn.Value().Data().([]float32)
	}
	if err := tr.adam.Step(tr.params, tr.grads); err != nil {
		return 0, err
	}
	return loss, nil
}

package seg

import (
	"fmt"
	"math"
	"sync"

	"github.com/cgx-dev/cgx/internal/seeds"
	"github.com/cgx-dev/cgx/ml/nn"
	"gorgonia.org/gorgonia"
)

// Outputs are the network's two logit maps per image.
const (
	OutForeground = 0 // the pixel belongs to some instance
	OutInterior   = 1 // the pixel is inside an instance, away from its boundary
	Outputs       = 2
)

// Model is a small U-Net for one class: for each pixel it predicts whether
// it is foreground and whether it is instance interior; Predict turns the
// two maps into scored instances.
//
// Predict may be called from several goroutines; Train must not overlap
// with anything else on the same Model.
type Model struct {
	cfg    Config
	params []nn.Param // fixed order, see paramLayout
	blas   nn.BLAS

	mu    sync.Mutex
	infer map[int]*inferGraph // Predict graphs by batch size, dropped after training
}

// Option adjusts how a Model computes (never what it computes, beyond the
// last bits of floating point).
type Option = nn.ModelOption

// WithBLAS makes the model's layers use b instead of nn.DefaultBLAS().
func WithBLAS(b nn.BLAS) Option { return nn.WithBLAS(b) }

// New returns a model with weights drawn from seed: every weight tensor from
// its own stream (seeds.Child(seed, "init/"+name)), uniform in ±√(6/fanIn)
// (He initialisation), biases zero. The same cfg and seed give the same
// weights bit for bit.
func New(cfg Config, seed int64, opts ...Option) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bl, err := nn.ModelBLAS(opts)
	if err != nil {
		return nil, err
	}
	m := &Model{cfg: cfg.clone(), params: paramLayout(cfg), blas: bl}
	for i := 0; i < len(m.params); i += 2 {
		w := m.params[i]
		ws := w.Value.Shape()
		// He (Kaiming) uniform for the ReLU layers: variance 2/fanIn keeps
		// activations from shrinking through the eleven-odd layers, which
		// PyTorch's default (1/(3·fanIn)) lets happen; biases start at 0.
		bound := math.Sqrt(6 / float64(ws.TotalSize()/ws[0]))
		nn.FillUniform(w.Data(), bound, nn.NewRand(seeds.Child(uint64(seed), "init/"+w.Name)))
	}
	return m, nil
}

// paramLayout returns zeroed parameters in the model's fixed order: per
// encoder level l, enc<l>a and enc<l>b (3x3); per decoder level from the
// coarsest, dec<l>a (reading the upsampled coarser features followed by the
// level's encoder features) and dec<l>b; then the 1x1 head. Each is a
// (.weight, .bias) pair.
func paramLayout(cfg Config) []nn.Param {
	var ps []nn.Param
	conv := func(name string, cout, cin, k int) {
		ps = append(ps, nn.NewParam(name+".weight", cout, cin, k, k), nn.NewParam(name+".bias", cout))
	}
	cin := InputChannels
	for l, ch := range cfg.Channels {
		conv(fmt.Sprintf("enc%d.a", l), ch, cin, 3)
		conv(fmt.Sprintf("enc%d.b", l), ch, ch, 3)
		cin = ch
	}
	for l := len(cfg.Channels) - 2; l >= 0; l-- {
		ch := cfg.Channels[l]
		conv(fmt.Sprintf("dec%d.a", l), ch, cfg.Channels[l+1]+ch, 3)
		conv(fmt.Sprintf("dec%d.b", l), ch, ch, 3)
	}
	conv("head", Outputs, cfg.Channels[0], 1)
	return ps
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg.clone() }

// Params returns a deep copy of the weights in the model's fixed order.
func (m *Model) Params() []nn.Param { return nn.CloneParams(m.params) }

// forward builds the network on x ([N, 3, Size, Size]) and returns the
// [N, 2, Size, Size] logits. With nodes nil the weights are frozen (copied
// into the ops); otherwise nodes[i] holds m.params[i] and gradients flow to
// them. No gradient is computed for x.
func (m *Model) forward(x *gorgonia.Node, nodes []*gorgonia.Node) (*gorgonia.Node, error) {
	next := 0
	conv := func(h *gorgonia.Node, k int, relu, first bool) (*gorgonia.Node, error) {
		opts := nn.ConvOpts{Pad: k / 2, ReLU: relu, BLAS: m.blas, NoInputGrad: first}
		w, b := m.params[next], m.params[next+1]
		var err error
		if nodes == nil {
			h, err = nn.FrozenConv2D(h, w.Value, b.Value, opts)
		} else {
			h, err = nn.Conv2D(h, nodes[next], nodes[next+1], opts)
		}
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", w.Name, err)
		}
		next += 2
		return h, nil
	}
	levels := len(m.cfg.Channels)
	skips := make([]*gorgonia.Node, levels)
	h := x
	var err error
	for l := 0; l < levels; l++ {
		if l > 0 {
			if h, err = nn.MaxPool2D(h, 2); err != nil {
				return nil, fmt.Errorf("encoder level %d: %w", l, err)
			}
		}
		if h, err = conv(h, 3, true, l == 0); err != nil {
			return nil, err
		}
		if h, err = conv(h, 3, true, false); err != nil {
			return nil, err
		}
		skips[l] = h
	}
	for l := levels - 2; l >= 0; l-- {
		if h, err = Upsample2x(h); err != nil {
			return nil, fmt.Errorf("decoder level %d: %w", l, err)
		}
		if h, err = ConcatChannels(h, skips[l]); err != nil {
			return nil, fmt.Errorf("decoder level %d: %w", l, err)
		}
		if h, err = conv(h, 3, true, false); err != nil {
			return nil, err
		}
		if h, err = conv(h, 3, true, false); err != nil {
			return nil, err
		}
	}
	return conv(h, 1, false, false)
}

// invalidate drops the Predict graphs, which hold copies of the weights.
func (m *Model) invalidate() {
	m.mu.Lock()
	m.infer = nil
	m.mu.Unlock()
}

package disc

import (
	"fmt"
	"sync"

	"github.com/cgx-dev/cgx/internal/seeds"
	"github.com/cgx-dev/cgx/ml/nn"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Model is a CG-vs-real discriminator: its architecture and weights.
//
// Methods may be called from several goroutines, except that Train and
// Trainer steps must not overlap with anything else on the same Model.
type Model struct {
	cfg    Config
	params []nn.Param // conv<i>.weight, conv<i>.bias for i = 1.., linear.weight, linear.bias
	blas   nn.BLAS

	mu    sync.Mutex          // guards infer
	infer map[int]*inferGraph // Predict graphs by batch size, rebuilt after training
}

// Option adjusts how a Model computes (never what it computes, beyond the
// last bits of floating point).
type Option = nn.ModelOption

// WithBLAS makes the model's layers use b instead of nn.DefaultBLAS().
func WithBLAS(b nn.BLAS) Option { return nn.WithBLAS(b) }

// New returns a model with weights drawn from seed: every weight and bias
// tensor from its own stream (seeds.Child(seed, "init/"+name)), uniform in
// ±1/√fanIn as PyTorch initialises them. The same cfg and seed give the same
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
	// Parameters come in (weight, bias) pairs; both use the layer's fan-in.
	for i := 0; i < len(m.params); i += 2 {
		ws := m.params[i].Value.Shape()
		bound := nn.FanInBound(ws.TotalSize() / ws[0])
		for _, p := range m.params[i : i+2] {
			nn.FillUniform(p.Data(), bound, nn.NewRand(seeds.Child(uint64(seed), "init/"+p.Name)))
		}
	}
	return m, nil
}

// paramLayout returns zeroed parameters in the model's fixed order.
func paramLayout(cfg Config) []nn.Param {
	var ps []nn.Param
	cin := InputChannels
	for i, cout := range cfg.Channels {
		ps = append(ps,
			nn.NewParam(fmt.Sprintf("conv%d.weight", i+1), cout, cin, cfg.Kernel, cfg.Kernel),
			nn.NewParam(fmt.Sprintf("conv%d.bias", i+1), cout))
		cin = cout
	}
	return append(ps,
		nn.NewParam("linear.weight", Classes, cfg.featureSize()),
		nn.NewParam("linear.bias", Classes))
}

// Config returns the model's architecture.
func (m *Model) Config() Config { return m.cfg.clone() }

// BLAS returns the backend the model's layers use.
func (m *Model) BLAS() nn.BLAS { return m.blas }

// Params returns a deep copy of the weights, in the model's fixed order.
func (m *Model) Params() []nn.Param { return nn.CloneParams(m.params) }

// checkInput validates the shape of a node or tensor fed to the model.
func (m *Model) checkInput(s tensor.Shape) error {
	if s.Dims() != 4 || s[0] < 1 || s[1] != InputChannels || s[2] != m.cfg.Size || s[3] != m.cfg.Size {
		return fmt.Errorf("%w: input shape %v, want [N %d %d %d] float32 (NCHW, RGB in [0,1])", ErrInput, s, InputChannels, m.cfg.Size, m.cfg.Size)
	}
	return nil
}

// Logits adds the discriminator's forward pass to x's graph and returns the
// [N, 2] logits (index ClassCG, ClassReal). x is [N, 3, Size, Size] float32.
// The weights enter as constants, copied now: no gradient is computed for
// them and later training of m does not change this graph. Gradients of
// anything computed from the logits flow to x, and through x to whatever x
// was computed from (manipulation parameters).
func (m *Model) Logits(x *gorgonia.Node) (*gorgonia.Node, error) {
	if x == nil {
		return nil, fmt.Errorf("discriminator logits: %w: nil input node", ErrInput)
	}
	if x.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("discriminator logits: %w: input is %v, want float32", ErrInput, x.Dtype())
	}
	if err := m.checkInput(x.Shape()); err != nil {
		return nil, fmt.Errorf("discriminator logits: %w", err)
	}
	return m.forward(x, nil, false)
}

// forward builds the network on x. With nodes nil the weights are frozen
// (copied into the ops); otherwise nodes[i] holds m.params[i] and gradients
// flow to them. noInputGrad skips the gradient with respect to x.
func (m *Model) forward(x *gorgonia.Node, nodes []*gorgonia.Node, noInputGrad bool) (*gorgonia.Node, error) {
	h := x
	var err error
	for i := range m.cfg.Channels {
		opts := nn.ConvPoolOpts{Pad: m.cfg.Kernel / 2, Pool: 2, BLAS: m.blas, NoInputGrad: i == 0 && noInputGrad}
		w, b := m.params[2*i], m.params[2*i+1]
		if nodes == nil {
			h, err = nn.FrozenConvReLUPool(h, w.Value, b.Value, opts)
		} else {
			h, err = nn.ConvReLUPool(h, nodes[2*i], nodes[2*i+1], opts)
		}
		if err != nil {
			return nil, fmt.Errorf("discriminator block %d: %w", i+1, err)
		}
	}
	l := len(m.cfg.Channels)
	w, b := m.params[2*l], m.params[2*l+1]
	if nodes == nil {
		h, err = nn.FrozenLinear(h, w.Value, b.Value, nn.LinearOpts{BLAS: m.blas})
	} else {
		h, err = nn.Linear(h, nodes[2*l], nodes[2*l+1], nn.LinearOpts{BLAS: m.blas})
	}
	if err != nil {
		return nil, fmt.Errorf("discriminator linear layer: %w", err)
	}
	return h, nil
}

package disc

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cgx-dev/cgx/ml/nn"
)

const (
	formatMagic = "CGXDISC\x00"
	// FormatVersion is the version of the byte format MarshalBinary writes.
	FormatVersion = 1
)

// MarshalBinary encodes the architecture and weights (see the package doc
// for the format). Equal models give equal bytes.
func (m *Model) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	le := binary.LittleEndian
	buf.WriteString(formatMagic)
	buf.Write(le.AppendUint16(nil, FormatVersion))
	for _, v := range []int{m.cfg.Size, m.cfg.Kernel, len(m.cfg.Channels)} {
		buf.Write(le.AppendUint32(nil, uint32(v)))
	}
	for _, c := range m.cfg.Channels {
		buf.Write(le.AppendUint32(nil, uint32(c)))
	}
	w, err := nn.EncodeWeights(m.params)
	if err != nil {
		return nil, fmt.Errorf("marshal discriminator: %w", err)
	}
	buf.Write(w)
	return buf.Bytes(), nil
}

// Load decodes bytes written by MarshalBinary. Errors wrap ErrFormat (or
// ErrConfig for an architecture out of range).
func Load(data []byte, opts ...Option) (*Model, error) {
	le := binary.LittleEndian
	head := len(formatMagic) + 2 + 3*4
	if len(data) < head || string(data[:len(formatMagic)]) != formatMagic {
		return nil, fmt.Errorf("load discriminator: %w: not a cgx discriminator (magic missing)", ErrFormat)
	}
	r := data[len(formatMagic):]
	if v := le.Uint16(r); v != FormatVersion {
		return nil, fmt.Errorf("load discriminator: %w: format version %d, this cgx reads version %d", ErrFormat, v, FormatVersion)
	}
	r = r[2:]
	cfg := Config{Size: int(le.Uint32(r)), Kernel: int(le.Uint32(r[4:]))}
	blocks := le.Uint32(r[8:])
	r = r[12:]
	if blocks > maxBlocks || len(r) < 4*int(blocks) {
		return nil, fmt.Errorf("load discriminator: %w: %d blocks", ErrFormat, blocks)
	}
	for i := 0; i < int(blocks); i++ {
		cfg.Channels = append(cfg.Channels, int(le.Uint32(r[4*i:])))
	}
	r = r[4*blocks:]
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("load discriminator: %w", err)
	}
	params, err := nn.DecodeWeights(r)
	if err != nil {
		return nil, fmt.Errorf("load discriminator: %w: %w", ErrFormat, err)
	}
	want := paramLayout(cfg)
	if len(params) != len(want) {
		return nil, fmt.Errorf("load discriminator: %w: %d weight tensors, architecture needs %d", ErrFormat, len(params), len(want))
	}
	for i, p := range params {
		if p.Name != want[i].Name || !p.Value.Shape().Eq(want[i].Value.Shape()) {
			return nil, fmt.Errorf("load discriminator: %w: tensor %d is %s %v, want %s %v", ErrFormat, i, p.Name, p.Value.Shape(), want[i].Name, want[i].Value.Shape())
		}
	}
	bl, err := nn.ModelBLAS(opts)
	if err != nil {
		return nil, fmt.Errorf("load discriminator: %w", err)
	}
	return &Model{cfg: cfg, params: params, blas: bl}, nil
}

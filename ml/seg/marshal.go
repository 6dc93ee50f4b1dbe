package seg

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"

	"github.com/cgx-dev/cgx/ml/nn"
)

// Model format (integers little endian):
//
//	magic    "CGXSEG"
//	version  uint16 (FormatVersion)
//	cfgLen   uint32, then cfgLen bytes: the Config as JSON (Go's encoding of
//	         the struct, fields in declaration order)
//	weights  the rest but the last 4 bytes: nn.EncodeWeights of the
//	         parameters in the model's fixed order (its own magic, version
//	         and CRC)
//	crc      uint32, CRC-32 (IEEE) of every byte before it
//
// The bytes depend only on the configuration and the weights, so equal models
// encode to equal bytes and digests.
const (
	formatMagic = "CGXSEG"
	// FormatVersion is the model format version Marshal writes.
	FormatVersion = 1
	maxConfigLen  = 1 << 16
)

// Marshal encodes the model's configuration and weights.
func (m *Model) Marshal() ([]byte, error) {
	cfg, err := json.Marshal(m.cfg)
	if err != nil {
		return nil, fmt.Errorf("marshal segmentation model: %w", err)
	}
	w, err := nn.EncodeWeights(m.params)
	if err != nil {
		return nil, fmt.Errorf("marshal segmentation model: %w", err)
	}
	le := binary.LittleEndian
	var buf bytes.Buffer
	buf.WriteString(formatMagic)
	buf.Write(le.AppendUint16(nil, FormatVersion))
	buf.Write(le.AppendUint32(nil, uint32(len(cfg))))
	buf.Write(cfg)
	buf.Write(w)
	buf.Write(le.AppendUint32(nil, crc32.ChecksumIEEE(buf.Bytes())))
	return buf.Bytes(), nil
}

// Load decodes bytes written by Marshal. Errors wrap ErrFormat (or
// ErrConfig for a stored configuration that does not validate).
func Load(data []byte, opts ...Option) (*Model, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("load segmentation model: %w: %s", ErrFormat, fmt.Sprintf(format, a...))
	}
	head := len(formatMagic) + 2 + 4
	if len(data) < head+4 || string(data[:len(formatMagic)]) != formatMagic {
		return nil, bad("not a cgx segmentation model (magic %q missing)", formatMagic)
	}
	le := binary.LittleEndian
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != le.Uint32(data[len(data)-4:]) {
		return nil, bad("checksum mismatch (truncated or corrupted)")
	}
	if v := le.Uint16(data[len(formatMagic):]); v != FormatVersion {
		return nil, bad("version %d, this cgx reads version %d", v, FormatVersion)
	}
	n := le.Uint32(data[len(formatMagic)+2:])
	if n > maxConfigLen || uint64(head)+uint64(n) > uint64(len(body)) {
		return nil, bad("configuration length %d out of range", n)
	}
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(body[head : head+int(n)]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, bad("configuration: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("load segmentation model: %w", err)
	}
	params, err := nn.DecodeWeights(body[head+int(n):])
	if err != nil {
		return nil, fmt.Errorf("load segmentation model: %w: %w", ErrFormat, err)
	}
	bl, err := nn.ModelBLAS(opts)
	if err != nil {
		return nil, err
	}
	m := &Model{cfg: cfg, params: paramLayout(cfg), blas: bl}
	if len(params) != len(m.params) {
		return nil, bad("%d parameters, the configuration needs %d", len(params), len(m.params))
	}
	for i, p := range params {
		want := m.params[i]
		if p.Name != want.Name || !p.Value.Shape().Eq(want.Value.Shape()) {
			return nil, bad("parameter %d is %s %v, want %s %v", i, p.Name, p.Value.Shape(), want.Name, want.Value.Shape())
		}
		copy(want.Data(), p.Data())
	}
	return m, nil
}

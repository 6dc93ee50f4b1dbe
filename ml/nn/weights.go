package nn

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"gorgonia.org/tensor"
)

// Weights format (all integers little endian):
//
//	magic   "CGXW"
//	version uint16 (WeightsVersion)
//	count   uint32
//	count × { name length uint16, name bytes (UTF-8),
//	          rank uint8 (1..8), rank × dim uint32 (non-zero),
//	          product(dims) × float32 (IEEE 754 bits) }
//	crc     uint32, CRC-32 (IEEE) of every byte before it
//
// The bytes depend only on the names, shapes and values, in the order given,
// so equal weights always encode to equal bytes (and equal digests).
const (
	weightsMagic = "CGXW"
	// WeightsVersion is the format version EncodeWeights writes.
	WeightsVersion = 1

	maxNameLen = 1 << 10
	maxRank    = 8
)

// EncodeWeights serialises params in order.
func EncodeWeights(params []Param) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(weightsMagic)
	le := binary.LittleEndian
	buf.Write(le.AppendUint16(nil, WeightsVersion))
	buf.Write(le.AppendUint32(nil, uint32(len(params))))
	for _, p := range params {
		if len(p.Name) == 0 || len(p.Name) > maxNameLen {
			return nil, fmt.Errorf("encode weights: parameter name %q: length must be 1..%d", p.Name, maxNameLen)
		}
		if p.Value == nil {
			return nil, fmt.Errorf("encode weights: parameter %q has no value", p.Name)
		}
		data, ok := p.Value.Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("encode weights: parameter %q: %w", p.Name, ErrDtype)
		}
		shape := p.Value.Shape()
		if len(shape) < 1 || len(shape) > maxRank {
			return nil, fmt.Errorf("encode weights: parameter %q: rank %d, want 1..%d", p.Name, len(shape), maxRank)
		}
		buf.Write(le.AppendUint16(nil, uint16(len(p.Name))))
		buf.WriteString(p.Name)
		buf.WriteByte(byte(len(shape)))
		for _, d := range shape {
			buf.Write(le.AppendUint32(nil, uint32(d)))
		}
		out := make([]byte, 4*len(data))
		for i, v := range data {
			le.PutUint32(out[4*i:], math.Float32bits(v))
		}
		buf.Write(out)
	}
	buf.Write(le.AppendUint32(nil, crc32.ChecksumIEEE(buf.Bytes())))
	return buf.Bytes(), nil
}

// DecodeWeights parses bytes written by EncodeWeights into fresh tensors.
// Errors wrap ErrWeightsFormat.
func DecodeWeights(data []byte) ([]Param, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("decode weights: %w: %s", ErrWeightsFormat, fmt.Sprintf(format, a...))
	}
	if len(data) < len(weightsMagic)+2+4+4 || string(data[:4]) != weightsMagic {
		return nil, bad("not a cgx weights blob (magic %q missing)", weightsMagic)
	}
	le := binary.LittleEndian
	body, sum := data[:len(data)-4], le.Uint32(data[len(data)-4:])
	if v := le.Uint16(data[4:]); v != WeightsVersion {
		return nil, bad("version %d, this cgx reads version %d", v, WeightsVersion)
	}
	if crc32.ChecksumIEEE(body) != sum {
		return nil, bad("checksum mismatch (truncated or corrupted)")
	}
	r := body[10:]
	count := le.Uint32(body[6:])
	if uint64(count) > uint64(len(r)) {
		return nil, bad("%d parameters in %d bytes", count, len(r))
	}
	params := make([]Param, 0, count)
	seen := map[string]bool{}
	for k := uint32(0); k < count; k++ {
		if len(r) < 2 {
			return nil, bad("parameter %d truncated", k)
		}
		nl := int(le.Uint16(r))
		r = r[2:]
		if nl == 0 || nl > maxNameLen || len(r) < nl+1 {
			return nil, bad("parameter %d: bad name length %d", k, nl)
		}
		name := string(r[:nl])
		if seen[name] {
			return nil, bad("parameter %q appears twice", name)
		}
		seen[name] = true
		rank := int(r[nl])
		r = r[nl+1:]
		if rank < 1 || rank > maxRank || len(r) < 4*rank {
			return nil, bad("parameter %q: bad rank %d", name, rank)
		}
		shape := make([]int, rank)
		size := uint64(1)
		for i := range shape {
			d := le.Uint32(r[4*i:])
			if d == 0 {
				return nil, bad("parameter %q: zero dimension", name)
			}
			shape[i] = int(d)
			size *= uint64(d)
			if size > uint64(len(r)) {
				return nil, bad("parameter %q: shape %v larger than the data", name, shape[:i+1])
			}
		}
		r = r[4*rank:]
		if uint64(len(r)) < 4*size {
			return nil, bad("parameter %q: %d values truncated", name, size)
		}
		vals := make([]float32, size)
		for i := range vals {
			vals[i] = math.Float32frombits(le.Uint32(r[4*i:]))
		}
		r = r[4*size:]
		params = append(params, Param{Name: name, Value: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals))})
	}
	if len(r) != 0 {
		return nil, bad("%d bytes after the last parameter", len(r))
	}
	return params, nil
}

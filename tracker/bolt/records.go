package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
)

// Record versions: the first byte of every encoded study and trial record.
// Version 2 is version 1 followed by a CRC-32C (Castagnoli, little-endian)
// of every byte before it, so that damage inside a record that would still
// decode is found; decoders read both, encoders write 2.
const (
	studyRecordV1 = 1
	trialRecordV1 = 1
	recordV2      = 2
	crcSize       = 4
)

// sealRecord appends the CRC of rec to buf, where rec = buf[start:].
func sealRecord(buf []byte, start int) []byte {
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf[start:], castagnoli))
}

// openRecord checks a version-2 record's CRC and returns the record without
// it; a version-1 record is returned as it is.
func openRecord(b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != recordV2 {
		return b, nil
	}
	if len(b) < 1+crcSize {
		return nil, errShortRecord
	}
	n := len(b) - crcSize
	if crc32.Checksum(b[:n], castagnoli) != binary.LittleEndian.Uint32(b[n:]) {
		return nil, errors.New("checksum mismatch (the record's bytes were changed)")
	}
	return b[:n], nil
}

// JSON records (runs, stages, artifact metadata) are written as a byte
// jsonRecordV2, the JSON, and a CRC-32C of both; a value that starts with
// '{' is an older record without checksum.
const jsonRecordV2 = 2

func sealJSON(js []byte) []byte {
	out := make([]byte, 0, 1+len(js)+crcSize)
	out = append(append(out, jsonRecordV2), js...)
	return sealRecord(out, 0)
}

func openJSON(b []byte) ([]byte, error) {
	switch {
	case len(b) > 0 && b[0] == '{':
		return b, nil
	case len(b) > 0 && b[0] == jsonRecordV2:
		b, err := openRecord(b)
		if err != nil {
			return nil, err
		}
		return b[1:], nil
	}
	return nil, fmt.Errorf("not a JSON record (first byte %#x)", firstByte(b))
}

func firstByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func encodeStudy(s *tracker.StudyInfo) []byte {
	e := encoder{b: make([]byte, 0, 128)}
	e.byte(recordV2)
	e.int(s.ID)
	e.str(s.Name)
	if s.Direction == goptuna.StudyDirectionMaximize {
		e.byte(1)
	} else {
		e.byte(0)
	}
	e.time(s.Created)
	e.strMap(s.UserAttrs)
	e.strMap(s.SystemAttrs)
	st := s.Stats
	for _, v := range []int{st.Trials, st.Running, st.Complete, st.Pruned, st.Fail, st.Waiting, st.BestTrialID, st.BestNumber} {
		e.int(v)
	}
	e.float(st.BestValue)
	e.time(st.FirstStart)
	e.time(st.LastComplete)
	return sealRecord(e.b, 0)
}

func decodeStudy(b []byte) (tracker.StudyInfo, error) {
	var s tracker.StudyInfo
	b, err := openRecord(b)
	if err != nil {
		return s, fmt.Errorf("decode study: %w: %w", err, tracker.ErrCorruptDB)
	}
	d := decoder{b: b}
	if v := d.byte(); d.err == nil && v != studyRecordV1 && v != recordV2 {
		return s, fmt.Errorf("decode study: record version %d: %w", v, tracker.ErrCorruptDB)
	}
	s.ID = d.int()
	s.Name = d.str()
	switch d.byte() {
	case 0:
		s.Direction = goptuna.StudyDirectionMinimize
	case 1:
		s.Direction = goptuna.StudyDirectionMaximize
	default:
		d.fail(fmt.Errorf("bad direction"))
	}
	s.Created = d.time()
	s.UserAttrs = d.strMap()
	s.SystemAttrs = d.strMap()
	st := &s.Stats
	for _, p := range []*int{&st.Trials, &st.Running, &st.Complete, &st.Pruned, &st.Fail, &st.Waiting, &st.BestTrialID, &st.BestNumber} {
		*p = d.int()
	}
	st.BestValue = d.float()
	st.FirstStart = d.time()
	st.LastComplete = d.time()
	if err := d.end(); err != nil {
		return tracker.StudyInfo{}, fmt.Errorf("decode study: %w: %w", err, tracker.ErrCorruptDB)
	}
	return s, nil
}

// encodeTrial appends the record of t to buf. Params are written from
// InternalParams and Distributions (the external values are derived on
// decode), each distribution in goptuna's JSON form.
func encodeTrial(buf []byte, t *goptuna.FrozenTrial) ([]byte, error) {
	start := len(buf)
	e := encoder{b: buf}
	e.byte(recordV2)
	e.int(t.ID)
	e.int(t.StudyID)
	e.int(t.Number)
	e.byte(byte(t.State))
	e.float(t.Value)
	e.time(t.DatetimeStart)
	e.time(t.DatetimeComplete)
	names := sortedKeys(t.InternalParams)
	e.uvarint(uint64(len(names)))
	for _, n := range names {
		js, err := distributionJSON(t.Distributions[n])
		if err != nil {
			return buf, fmt.Errorf("encode trial %d parameter %q: %w", t.ID, n, err)
		}
		e.str(n)
		e.float(t.InternalParams[n])
		e.str(string(js))
	}
	steps := make([]int, 0, len(t.IntermediateValues))
	for k := range t.IntermediateValues {
		steps = append(steps, k)
	}
	sortInts(steps)
	e.uvarint(uint64(len(steps)))
	for _, k := range steps {
		e.varint(int64(k))
		e.float(t.IntermediateValues[k])
	}
	e.strMap(t.UserAttrs)
	e.strMap(t.SystemAttrs)
	return sealRecord(e.b, start), nil
}

// distJSON remembers the JSON form of distributions that are plain values
// (every kind but categorical): a search encodes the same few
// distributions for every trial, and goptuna's encoder (encoding/json) was
// a tenth of the CPU time of a durable trial. At most distJSONMax entries.
var (
	distJSON  sync.Map // distribution value -> []byte
	distJSONN atomic.Int64
)

const distJSONMax = 4096

// distributionJSON is goptuna.DistributionToJSON, remembered.
func distributionJSON(d interface{}) ([]byte, error) {
	switch d.(type) {
	case goptuna.UniformDistribution, goptuna.LogUniformDistribution, goptuna.IntUniformDistribution,
		goptuna.StepIntUniformDistribution, goptuna.DiscreteUniformDistribution:
	default:
		return goptuna.DistributionToJSON(d)
	}
	if js, ok := distJSON.Load(d); ok {
		return js.([]byte), nil
	}
	js, err := goptuna.DistributionToJSON(d)
	if err == nil && distJSONN.Load() < distJSONMax {
		distJSONN.Add(1)
		distJSON.Store(d, js)
	}
	return js, err
}

// distCache interns decoded distributions by their JSON text so that loading
// a study decodes each distinct distribution once.
type distCache map[string]interface{}

func (c distCache) get(js string) (interface{}, error) {
	if d, ok := c[js]; ok {
		return d, nil
	}
	d, err := goptuna.JSONToDistribution([]byte(js))
	if err != nil {
		return nil, fmt.Errorf("distribution %s: %w", js, err)
	}
	c[js] = d
	return d, nil
}

func decodeTrial(b []byte, dc distCache) (goptuna.FrozenTrial, error) {
	var t goptuna.FrozenTrial
	b, err := openRecord(b)
	if err != nil {
		return t, fmt.Errorf("decode trial: %w: %w", err, tracker.ErrCorruptDB)
	}
	d := decoder{b: b}
	if v := d.byte(); d.err == nil && v != trialRecordV1 && v != recordV2 {
		return t, fmt.Errorf("decode trial: record version %d: %w", v, tracker.ErrCorruptDB)
	}
	t.ID = d.int()
	t.StudyID = d.int()
	t.Number = d.int()
	t.State = goptuna.TrialState(d.byte())
	if t.State < goptuna.TrialStateRunning || t.State > goptuna.TrialStateWaiting {
		d.fail(fmt.Errorf("bad trial state %d", t.State))
	}
	t.Value = d.float()
	t.DatetimeStart = d.time()
	t.DatetimeComplete = d.time()
	n := d.count(10)
	t.InternalParams = make(map[string]float64, n)
	t.Params = make(map[string]interface{}, n)
	t.Distributions = make(map[string]interface{}, n)
	for i := 0; i < n && d.err == nil; i++ {
		name := d.str()
		ir := d.float()
		js := d.str()
		if d.err != nil {
			break
		}
		dist, err := dc.get(js)
		if err != nil {
			d.fail(err)
			break
		}
		xr, err := tracker.ExternalValue(dist, ir)
		if err != nil {
			d.fail(fmt.Errorf("parameter %q: %w", name, err))
			break
		}
		t.InternalParams[name] = ir
		t.Params[name] = xr
		t.Distributions[name] = dist
	}
	n = d.count(9)
	t.IntermediateValues = make(map[int]float64, n)
	for i := 0; i < n && d.err == nil; i++ {
		step := d.varint()
		t.IntermediateValues[int(step)] = d.float()
	}
	t.UserAttrs = d.strMap()
	t.SystemAttrs = d.strMap()
	if err := d.end(); err != nil {
		return goptuna.FrozenTrial{}, fmt.Errorf("decode trial: %w: %w", err, tracker.ErrCorruptDB)
	}
	return t, nil
}

// decodeTrialHead checks a sealed trial record's checksum and decodes only
// its identity, state, value and times (what indexes and aggregates need);
// an unsealed record is decoded in full.
func decodeTrialHead(b []byte, dc distCache) (goptuna.FrozenTrial, error) {
	var t goptuna.FrozenTrial
	if len(b) == 0 || b[0] != recordV2 {
		return decodeTrial(b, dc)
	}
	body, err := openRecord(b)
	if err != nil {
		return t, fmt.Errorf("decode trial: %w: %w", err, tracker.ErrCorruptDB)
	}
	d := decoder{b: body[1:]}
	t.ID = d.int()
	t.StudyID = d.int()
	t.Number = d.int()
	t.State = goptuna.TrialState(d.byte())
	if t.State < goptuna.TrialStateRunning || t.State > goptuna.TrialStateWaiting {
		d.fail(fmt.Errorf("bad trial state %d", t.State))
	}
	t.Value = d.float()
	t.DatetimeStart = d.time()
	t.DatetimeComplete = d.time()
	if d.err != nil {
		return goptuna.FrozenTrial{}, fmt.Errorf("decode trial: %w: %w", d.err, tracker.ErrCorruptDB)
	}
	return t, nil
}

func sortInts(a []int) { slices.Sort(a) }

func itoa(i int) string { return strconv.Itoa(i) }

// now is the wall clock as stored: UTC, without the monotonic reading, so a
// value in memory equals the same value read back from the file.
func now() time.Time { return time.Now().UTC().Round(0) }

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return make(map[K]V)
	}
	return maps.Clone(m)
}

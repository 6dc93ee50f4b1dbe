package bolt

import (
	"encoding/binary"
	"fmt"
	"github.com/cgx-dev/cgx/tracker"
	"hash/crc32"
	"os"
	"slices"
	"strings"
)

// Journal damage: a record the scan stops at is a torn write (never
// acknowledged) unless something shows it was acknowledged, and then a
// reported loss (docs/FORMAT.md, The journal).

// stopAt records the record the scan stopped at and looks past it.
func (js *journalScan) stopAt(raw []byte, off int64, seq, epoch uint64, why string, dc distCache) {
	js.bad = &journalBad{off: off, seq: seq, epoch: epoch, why: why}
	if epoch != 0 {
		js.ahead = scanAhead(raw, off+1, seq, epoch, dc)
	}
}

// scanAhead finds, from offset from on, the intact records of epoch with a
// seq above after, in order: commits acknowledged after a damaged one. A
// record's length may be damaged, so every offset is tried (cheap filters
// on epoch and seq come before the checksum).
func scanAhead(raw []byte, from int64, after, epoch uint64, dc distCache) []journalEntry {
	var out []journalEntry
	next := after + 1
	for o := from; o+journalRecHeader <= int64(len(raw)); o++ {
		h := raw[o:]
		if binary.LittleEndian.Uint64(h[8:16]) != epoch {
			continue
		}
		seq := binary.LittleEndian.Uint64(h[16:24])
		if seq < next || seq > next+journalMaxRecords {
			continue
		}
		n := int64(binary.LittleEndian.Uint32(h[0:4]))
		if n > journalMaxRecord || int64(len(h)) < journalRecHeader+n ||
			crc32.Checksum(h[8:journalRecHeader+n], castagnoli) != binary.LittleEndian.Uint32(h[4:8]) {
			continue
		}
		e, err := decodeJournalPayload(h[journalRecHeader:journalRecHeader+n], dc)
		if err != nil {
			continue
		}
		e.seq = seq
		out = append(out, e)
		next = seq + 1
		o += journalRecHeader + n - 1
	}
	return out
}

// journalAck is what the commit record says the journal acknowledged last.
type journalAck struct{ epoch, seq uint64 }

// loss describes acknowledged journal records the scan could not read, ""
// when there are none: the scan stopped at a record that later intact
// records of its epoch, or the commit record, show was acknowledged, in an
// epoch the file has not absorbed. A record torn by a crash is no loss: it
// was never acknowledged.
func (js *journalScan) loss(absorbed uint64, ack journalAck) string {
	b := js.bad
	if b == nil {
		return js.shortfall(absorbed, ack)
	}
	epoch := b.epoch
	if epoch == 0 && ack.epoch > absorbed {
		epoch = ack.epoch
	}
	if epoch == 0 || epoch <= absorbed {
		return ""
	}
	last := uint64(0)
	if ack.epoch == epoch {
		last = ack.seq
	}
	if b.whole {
		last = max(last, b.seq)
	}
	if n := len(js.ahead); n > 0 {
		last = max(last, js.ahead[n-1].seq)
	}
	if last < b.seq {
		return ""
	}
	lost := fmt.Sprintf("records %d..%d are lost", b.seq, last)
	if last == b.seq {
		lost = fmt.Sprintf("record %d is lost", b.seq)
	}
	msg := fmt.Sprintf("record %d of epoch %d at offset %d %s, but commits up to record %d were acknowledged: %s",
		b.seq, epoch, b.off, b.why, last, lost)
	if len(js.ahead) > 0 {
		trials := map[int][]int{}
		n := 0
		for _, e := range js.ahead {
			for _, t := range e.trials {
				trials[t.StudyID] = append(trials[t.StudyID], t.Number)
				n++
			}
		}
		var parts []string
		for _, sid := range sortedIntKeys(trials) {
			parts = append(parts, fmt.Sprintf("study %d numbers %s", sid, numberRanges(trials[sid])))
		}
		msg += fmt.Sprintf(" (%d of them still readable, holding %d trial record(s): %s; the rest unknown)", len(js.ahead), n, strings.Join(parts, ", "))
	}
	return msg
}

// shortfall describes acknowledged records of a journal that ended cleanly
// (or is missing) before the last record the commit record says was
// acknowledged: the journal was removed, replaced or cut short.
func (js *journalScan) shortfall(absorbed uint64, ack journalAck) string {
	if ack.epoch <= absorbed || ack.seq == 0 || js.epoch > ack.epoch {
		return ""
	}
	have := uint64(0)
	if js.epoch == ack.epoch {
		have = uint64(len(js.entries))
	}
	if have >= ack.seq {
		return ""
	}
	if !js.exists {
		return fmt.Sprintf("the journal is missing, but records 1..%d of epoch %d were acknowledged and are not in the file: they are lost", ack.seq, ack.epoch)
	}
	return fmt.Sprintf("it holds %d record(s) of epoch %d, but records up to %d were acknowledged: records %d..%d are lost (the journal was replaced or cut short)",
		have, ack.epoch, ack.seq, have+1, ack.seq)
}

// numberRanges renders trial numbers as "3-5, 9".
func numberRanges(nums []int) string {
	slices.Sort(nums)
	nums = slices.Compact(nums)
	var parts []string
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, itoa(nums[i]))
		} else {
			parts = append(parts, itoa(nums[i])+"-"+itoa(nums[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// journalLossError is the one-line refusal of a journal that lost
// acknowledged records.
func journalLossError(jpath, loss string) error {
	return tracker.Tagf(tracker.ErrCorruptDB, "journal %s is damaged: %s; nothing was changed; restore the journal from a backup, or continue without the lost commits with 'cgx check --accept-loss' (the journal is kept aside)", jpath, loss)
}

// keepAside copies a damaged journal to "<journal>.damaged-N" (the first N
// free) and makes the copy durable, before the journal is overwritten. The
// journal itself is never deleted here.
func keepAside(jpath string) (string, error) {
	raw, err := os.ReadFile(jpath)
	if err != nil {
		return "", fmt.Errorf("keep journal %s aside: %w", jpath, err)
	}
	for n := 1; ; n++ {
		dst := fmt.Sprintf("%s.damaged-%d", jpath, n)
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		if err := writeFileAtomic(dst, raw, 0o444); err != nil {
			return "", fmt.Errorf("keep journal %s aside: %w", jpath, err)
		}
		return dst, nil
	}
}

// KeptAside returns where Open with AcceptLoss copied a damaged journal,
// "" if it did not.
func (s *Store) KeptAside() string { return s.keptAside }

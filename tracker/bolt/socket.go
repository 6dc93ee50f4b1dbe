package bolt

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
)

// The read protocol a writing store serves on a unix socket, so that other
// processes can read while bbolt's exclusive lock keeps them off the file.
// The stream is gob: the server sends a hello, then answers each request in
// order. Trials travel in their binary record encoding.
const (
	protoMagic   = "cgx-tracker-read"
	protoVersion = 1
	// maxSocketPath is the longest unix socket path every supported system
	// accepts (sun_path is 104 bytes on macOS and BSD, 108 on Linux).
	maxSocketPath = 103
)

// socketPaths returns where the writer of dbPath listens, in the order to
// try: "<db>.sock" next to the file when that path fits a socket address,
// then a per-user path under the temporary folder named by a hash of the
// database path.
func socketPaths(dbPath string) []string {
	if real, err := filepath.EvalSymlinks(dbPath); err == nil {
		dbPath = real
	}
	var out []string
	if p := dbPath + ".sock"; len(p) <= maxSocketPath {
		out = append(out, p)
	}
	h := sha256.Sum256([]byte(dbPath))
	dir := filepath.Join(os.TempDir(), "cgx-"+strconv.Itoa(os.Getuid()))
	return append(out, filepath.Join(dir, hex.EncodeToString(h[:8])+".sock"))
}

type hello struct {
	Magic         string
	Version       int
	PID           int
	Path          string
	FormatVersion int
}

type request struct {
	Op   string
	ID   int
	Name string
	Kind string
	Art  tracker.ID
}

type response struct {
	Err     *wireError
	Int     int
	Study   tracker.StudyInfo
	Studies []tracker.StudyInfo
	Trials  [][]byte
	Run     tracker.Run
	Runs    []tracker.Run
	Stage   tracker.Stage
	Stages  []tracker.Stage
	Meta    tracker.ArtifactMeta
	Metas   []tracker.ArtifactMeta
	Report  tracker.CheckReport
}

// wireError carries an error's message and the sentinels it matched.
type wireError struct {
	Msg   string
	Kinds []string
}

var wireSentinels = map[string]error{
	"not-found":     tracker.ErrNotFound,
	"invalid-study": goptuna.ErrInvalidStudyID,
	"invalid-trial": goptuna.ErrInvalidTrialID,
	"corrupt-db":    tracker.ErrCorruptDB,
	"closed":        tracker.ErrClosed,
}

func toWire(err error) *wireError {
	if err == nil {
		return nil
	}
	w := &wireError{Msg: err.Error()}
	for k, s := range wireSentinels {
		if errors.Is(err, s) {
			w.Kinds = append(w.Kinds, k)
		}
	}
	return w
}

// remoteError is an error received from the writing process.
type remoteError struct{ w *wireError }

func (e *remoteError) Error() string { return e.w.Msg }

func (e *remoteError) Is(target error) bool {
	for _, k := range e.w.Kinds {
		if wireSentinels[k] == target {
			return true
		}
	}
	return false
}

// connError marks a failure to talk to the writing process (it exited, or
// the socket is stale); the reader then tries again another way.
type connError struct{ err error }

func (e *connError) Error() string { return "read through writer socket: " + e.err.Error() }
func (e *connError) Unwrap() error { return e.err }

// dialWriter connects to the first socket that answers with a valid hello.
func dialWriter(paths []string, timeout time.Duration) (*clientConn, hello, error) {
	var last error = errors.New("no socket")
	for _, p := range paths {
		conn, err := net.DialTimeout("unix", p, timeout)
		if err != nil {
			last = err
			continue
		}
		c := newClientConn(conn)
		var h hello
		conn.SetDeadline(time.Now().Add(timeout))
		if err := c.dec.Decode(&h); err != nil {
			conn.Close()
			last = err
			continue
		}
		conn.SetDeadline(time.Time{})
		if h.Magic != protoMagic {
			conn.Close()
			last = fmt.Errorf("socket %s speaks %q, not %q", p, h.Magic, protoMagic)
			continue
		}
		return c, h, nil
	}
	return nil, hello{}, last
}

// liveWriter reports whether another process serves this database.
func (s *Store) liveWriter() (int, bool) {
	conn, h, err := dialWriter(s.opts.socketPathForDB(s.path), 500*time.Millisecond)
	if err != nil {
		return 0, false
	}
	conn.Close()
	return h.PID, true
}

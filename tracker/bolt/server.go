package bolt

import (
	"bufio"
	"encoding/gob"
	"errors"
	"github.com/cgx-dev/cgx/tracker"
	"net"
	"os"
	"path/filepath"
	"sync"
)

// server answers read requests from other processes with a writing store's
// own view (cache included, so buffered RUNNING trials are visible).
type server struct {
	s     *Store
	ln    net.Listener
	path  string
	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// startServer listens on the first socket path that works. Failing to serve
// is not an error for the writer: readers then report ErrLocked.
func startServer(s *Store) *server {
	for _, p := range s.opts.socketPathForDB(s.path) {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			continue
		}
		// We hold the database's exclusive lock, so a socket file left
		// here belongs to a writer that died.
		os.Remove(p)
		ln, err := net.Listen("unix", p)
		if err != nil {
			continue
		}
		os.Chmod(p, 0o600)
		srv := &server{s: s, ln: ln, path: p, conns: map[net.Conn]bool{}}
		srv.wg.Add(1)
		go srv.accept()
		return srv
	}
	return nil
}

func (srv *server) accept() {
	defer srv.wg.Done()
	for {
		conn, err := srv.ln.Accept()
		if err != nil {
			return
		}
		srv.mu.Lock()
		if srv.conns == nil {
			srv.mu.Unlock()
			conn.Close()
			return
		}
		srv.conns[conn] = true
		srv.mu.Unlock()
		srv.wg.Add(1)
		go srv.serve(conn)
	}
}

func (srv *server) close() {
	srv.ln.Close()
	srv.mu.Lock()
	for c := range srv.conns {
		c.Close()
	}
	srv.conns = nil
	srv.mu.Unlock()
	srv.wg.Wait()
}

type clientConn struct {
	net.Conn
	w   *bufio.Writer
	enc *gob.Encoder
	dec *gob.Decoder
}

func newClientConn(c net.Conn) *clientConn {
	w := bufio.NewWriter(c)
	return &clientConn{Conn: c, w: w, enc: gob.NewEncoder(w), dec: gob.NewDecoder(bufio.NewReader(c))}
}

func (c *clientConn) send(v any) error {
	if err := c.enc.Encode(v); err != nil {
		return err
	}
	return c.w.Flush()
}

func (srv *server) serve(conn net.Conn) {
	defer srv.wg.Done()
	defer func() {
		conn.Close()
		srv.mu.Lock()
		if srv.conns != nil {
			delete(srv.conns, conn)
		}
		srv.mu.Unlock()
	}()
	c := newClientConn(conn)
	h := hello{Magic: protoMagic, Version: protoVersion, PID: os.Getpid(), Path: srv.s.path, FormatVersion: FormatVersion}
	if err := c.send(h); err != nil {
		return
	}
	src := localSource{srv.s}
	for {
		var req request
		if err := c.dec.Decode(&req); err != nil {
			return
		}
		resp := srv.handle(src, req)
		if err := c.send(resp); err != nil {
			return
		}
	}
}

func (srv *server) handle(src localSource, req request) (resp response) {
	if srv.s.closed.Load() {
		return response{Err: toWire(tracker.ErrClosed)}
	}
	var err error
	switch req.Op {
	case "studies":
		resp.Studies, err = src.studyList()
	case "study":
		resp.Study, err = src.studyByID(req.ID)
	case "study-by-name":
		resp.Int, err = src.studyIDByName(req.Name)
	case "trials":
		err = srv.s.withStudy(req.ID, func(se *studyEntry) error {
			resp.Trials = make([][]byte, len(se.trials))
			for i, te := range se.trials {
				b, err := encodeTrial(nil, &te.t)
				if err != nil {
					return err
				}
				resp.Trials[i] = b
			}
			return nil
		})
	case "trial":
		err = srv.s.withTrial(req.ID, func(te *trialEntry) error {
			b, err := encodeTrial(nil, &te.t)
			resp.Trials = [][]byte{b}
			return err
		})
	case "runs":
		resp.Runs, err = src.runList()
	case "run":
		resp.Run, err = src.runByID(req.ID)
	case "stage":
		resp.Stage, err = src.stageByKey(req.Name)
	case "stages":
		resp.Stages, err = src.stageList(req.ID)
	case "artifact":
		resp.Meta, err = src.artifactMeta(req.Art)
	case "artifacts":
		resp.Metas, err = src.artifactList(req.Kind)
	case "check":
		resp.Report, err = src.checkDB()
	default:
		err = errors.New("unknown request " + req.Op)
	}
	resp.Err = toWire(err)
	return resp
}

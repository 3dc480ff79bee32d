package api

import (
	"bytes"
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/pipeline"
)

// ingestBatch is how many articles of a POST go through the pipeline
// together (the importer's batch size).
const ingestBatch = 500

// authorized tells whether r carries the ingest token. The comparison
// takes the same time whatever the guess, so a token cannot be found a
// byte at a time.
func (s *Server) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.opt.Token)) == 1
}

// postArticles takes one JSON article (application/json) or JSONL
// (application/x-ndjson, application/jsonl), the import format, through
// the one pipeline. Bad lines are answered with their number and reason;
// the rest is stored.
func (s *Server) postArticles(w http.ResponseWriter, r *http.Request) {
	if s.opt.Token == "" || s.ingest == nil {
		s.fail(w, r, marsad.Errorf(eForbidden, "ingest by API is off: start serve with --api-token (MARSAD_API_TOKEN)"))
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="marsad"`)
		s.fail(w, r, marsad.Errorf(eUnauthorized, "a valid token is required: Authorization: Bearer TOKEN"))
		return
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body := http.MaxBytesReader(w, r.Body, s.opt.MaxIngestBytes)
	var in io.Reader
	single := false
	switch ctype {
	case "application/json":
		// One object, possibly spread over lines: made one line, so the
		// importer's reader (the import format's one parser) reads it.
		raw, err := io.ReadAll(body)
		if err != nil {
			s.fail(w, r, readError(err, s.opt.MaxIngestBytes))
			return
		}
		var line bytes.Buffer
		if err := json.Compact(&line, raw); err != nil {
			s.fail(w, r, marsad.Errorf(marsad.EINVALID, "line 1: not a JSON object: %v", err))
			return
		}
		in, single = &line, true
	case "application/x-ndjson", "application/jsonl", "application/jsonlines", "application/x-jsonlines":
		in = body
	default:
		s.fail(w, r, marsad.Errorf(eUnsupported, "Content-Type %q: send application/json (one article) or application/x-ndjson (one article a line)", ctype))
		return
	}
	res, err := s.ingestLines(r, in)
	if err != nil {
		s.fail(w, r, readError(err, s.opt.MaxIngestBytes))
		return
	}
	if single && res.Invalid == 1 {
		s.fail(w, r, marsad.Errorf(marsad.EINVALID, "line 1: %s", res.Problems[0].Reason))
		return
	}
	b, err := marshal(res)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// readError turns a body that could not be read into the client's error.
func readError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return marsad.Errorf(eTooLarge, "the body is over %d bytes: send it in parts", limit)
	}
	return err
}

// ingestLines reads JSONL from in and ingests it in batches.
func (s *Server) ingestLines(r *http.Request, in io.Reader) (*IngestResult, error) {
	rd := importer.NewReader(in, "line")
	out := &IngestResult{Problems: []LineProblem{}}
	var batch []*marsad.RawArticle
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := s.ingest.Ingest(r.Context(), batch)
		batch = batch[:0]
		out.add(res)
		return err
	}
	for {
		raw, err := rd.Next()
		var le *importer.LineError
		switch {
		case errors.Is(err, io.EOF):
			if err := flush(); err != nil {
				return nil, err
			}
			if out.Read == 0 {
				return nil, marsad.Errorf(marsad.EINVALID, "no article in the body")
			}
			slices.SortStableFunc(out.Problems, func(a, b LineProblem) int { return cmp.Compare(a.Line, b.Line) })
			return out, nil
		case errors.As(err, &le):
			out.Read++
			out.Invalid++
			out.Problems = append(out.Problems, LineProblem{Line: le.Line, Reason: le.Reason})
			continue
		case err != nil:
			return nil, err
		}
		batch = append(batch, raw)
		if len(batch) == ingestBatch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
}

func (out *IngestResult) add(res pipeline.Result) {
	out.Read += res.Read
	out.Imported += res.Imported
	out.Unchanged += res.Unchanged
	out.Invalid += res.Invalid
	for _, p := range res.Problems {
		// Where is "line:N", as the reader named it.
		_, num, _ := strings.Cut(p.Where, ":")
		n, _ := strconv.Atoi(num)
		out.Problems = append(out.Problems, LineProblem{Line: n, URL: p.URL, Reason: p.Reason})
	}
}

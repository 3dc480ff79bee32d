package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/app"
)

func (a *cli) exportCmd() *cobra.Command {
	var out string
	var after int64
	var resume bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the archive as JSONL (the import format plus marsad's own fields)",
		Long: `Write every stored article, in id order, as one JSON object a line: the
fields import reads (url, title, body, html, summary, source, source_name,
published, author, tags, category, id, lang) and, under "marsad", what this
store decided: the article's id, fetched time, published_claimed, copy_of
(the original it copies), story (and, on its first member's line, the story
with the clusterer's state), the tags found with their scores and publisher
flags, and the stages that still owe it. ` + "`marsad import`" + ` of the file into
another store (SQLite or PostgreSQL) restores the archive as it was.

The export reads a batch at a time, so memory does not grow with the archive.
An interrupted export is continued with --resume (the file's last complete
line says where) or --after ID.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if resume && out == "" {
				return marsad.Errorf(marsad.EINVALID, "--resume continues a file: give it with -o FILE")
			}
			if resume && after > 0 {
				return marsad.Errorf(marsad.EINVALID, "--resume and --after both say where to start: give one")
			}
			w := io.Writer(a.stdout)
			report := a.stdout
			var file *os.File
			if out != "" {
				f, from, err := openExportFile(out, resume)
				if err != nil {
					return err
				}
				defer f.Close()
				w, file, after = f, f, max(after, from)
			} else {
				report = a.stderr // standard output is the data
			}
			return a.withStore(cmd, func(ctx context.Context, store marsad.Store) error {
				start := time.Now()
				prog := a.newProgress(-1, "exporting")
				n, last, err := a.useCases(store).Export(ctx, w, app.ExportOptions{After: after,
					OnBatch: func(lines int, last int64) { prog.Status(fmt.Sprintf("lines=%d last_id=%d", lines, last)) }})
				prog.Finish()
				if file != nil && err == nil {
					err = file.Sync()
				}
				secs := time.Since(start).Seconds()
				fmt.Fprintf(report, "export: lines=%d after=%d last_id=%d seconds=%.2f rate=%.0f/s\n",
					n, after, last, secs, float64(n)/max(secs, 1e-9))
				return err
			})
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of standard output")
	cmd.Flags().Int64Var(&after, "after", 0, "export the articles with an id above this one")
	cmd.Flags().BoolVar(&resume, "resume", false, "continue the export in -o FILE after its last complete line")
	return cmd
}

// openExportFile opens path for an export. Without resume the file must not
// hold anything yet (an export is never silently overwritten). With resume
// a partial last line (an export killed mid-write) is cut off and the id
// of the last complete line returned: the export continues after it.
func openExportFile(path string, resume bool) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if st.Size() > 0 && !resume {
		f.Close()
		return nil, 0, marsad.Errorf(marsad.EINVALID, "%s is not empty: continue it with --resume, or remove it", path)
	}
	end, last, err := lastCompleteLine(f, st.Size())
	if err == nil {
		err = f.Truncate(end)
	}
	if err == nil {
		_, err = f.Seek(end, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("resume %s: %w", path, err)
	}
	var from int64
	if len(last) > 0 {
		var line struct {
			Marsad *struct {
				ID int64 `json:"id"`
			} `json:"marsad"`
		}
		if err := json.Unmarshal(last, &line); err != nil || line.Marsad == nil || line.Marsad.ID <= 0 {
			f.Close()
			return nil, 0, marsad.Errorf(marsad.EINVALID, "resume %s: its last complete line is not a line of marsad export", path)
		}
		from = line.Marsad.ID
	}
	return f, from, nil
}

// lastCompleteLine returns where the file's complete lines end (after the
// last newline; 0 when there is none) and the last complete line, read
// backwards from the end in blocks: the file is never read whole.
func lastCompleteLine(f io.ReaderAt, size int64) (end int64, line []byte, err error) {
	const block = 64 << 10
	buf := make([]byte, block)
	// newlineBefore returns the position of the last '\n' before pos, -1
	// when there is none.
	newlineBefore := func(pos int64) (int64, error) {
		for pos > 0 {
			from := max(0, pos-block)
			n, err := f.ReadAt(buf[:pos-from], from)
			if err != nil && !errors.Is(err, io.EOF) {
				return 0, err
			}
			if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
				return from + int64(i), nil
			}
			pos = from
		}
		return -1, nil
	}
	nl, err := newlineBefore(size)
	if err != nil || nl < 0 {
		return 0, nil, err
	}
	prev, err := newlineBefore(nl)
	if err != nil {
		return 0, nil, err
	}
	line = make([]byte, nl-prev-1)
	if _, err := f.ReadAt(line, prev+1); err != nil && !errors.Is(err, io.EOF) {
		return 0, nil, err
	}
	return nl + 1, line, nil
}

package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/pipeline"
)

func (a *cli) importCmd() *cobra.Command {
	var batch int
	var tz string
	cmd := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Import articles from a JSONL file (one JSON object per line)",
		Long: `Import articles from JSONL. Fields: url (required), title, body or html,
summary, source, source_name, published (RFC 3339, or without zone: see --tz),
id, author, tags (array or comma-separated), category, lang.
Importing the same file twice adds nothing; an interrupted import keeps what
was committed and running it again completes it.

A file written by ` + "`marsad export`" + ` is restored as it was: each article under
its id, with its copy link, story and tags, into a new store (or the one an
interrupted restore began); a line whose id holds another article here is
refused.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return fmt.Errorf("--tz %s: %w", tz, err)
			}
			var in io.Reader = os.Stdin
			name, size := "-", int64(-1)
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				if st, err := f.Stat(); err == nil {
					size = st.Size()
				}
				in, name = f, args[0]
			}
			db, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			prog := a.newProgress(size, "importing "+name)
			rd := importer.NewReader(io.TeeReader(in, prog), name)
			rd.Location = loc
			uc := a.useCases(db)
			p := uc.Pipeline()
			start := time.Now()
			res, err := importer.Run(ctx, rd, p, importer.Options{
				BatchSize: batch,
				Restore:   uc.NewRestorer(),
				OnProblem: func(msg string) { prog.Printf("skipped %s", msg) },
				OnBatch: func(t pipeline.Result) {
					prog.Status(fmt.Sprintf("read=%d imported=%d", t.Read, t.Imported))
				},
			})
			if err == nil && res.Imported > 0 {
				err = db.OptimizeIndex(ctx)
			}
			prog.Finish()
			secs := time.Since(start).Seconds()
			fmt.Fprintf(a.stdout, "import: read=%d imported=%d unchanged=%d invalid=%d seconds=%.2f rate=%.0f/s\n",
				res.Read, res.Imported, res.Unchanged, res.Invalid, secs, float64(res.Read)/max(secs, 1e-9))
			return err
		},
	}
	cmd.Flags().IntVar(&batch, "batch", 500, "articles per transaction")
	cmd.Flags().StringVar(&tz, "tz", "UTC", "time zone of published times written without one (e.g. Asia/Riyadh)")
	return cmd
}

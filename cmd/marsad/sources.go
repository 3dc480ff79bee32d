package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	marsadapp "github.com/marsad/marsad/internal/app"
)

// sourcesCmd lists the outlets with their keys (what source:KEY, --source
// and the API take), article counts and feeds.
func (a *cli) sourcesCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "List the outlets with their keys, articles and feeds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, db marsad.Store) error {
				outlets, err := marsadapp.NewPages(db, analyzer.New(), runtime.NumCPU()).Outlets(ctx)
				if err != nil {
					return err
				}
				if asJSON {
					type outlet struct {
						Key          string     `json:"key"`
						Name         string     `json:"name"`
						Domain       string     `json:"domain,omitempty"`
						Articles     int        `json:"articles"`
						Feeds        int        `json:"feeds"`
						FailingFeeds int        `json:"failing_feeds"`
						LastReached  *time.Time `json:"last_reached,omitempty"`
					}
					out := make([]outlet, 0, len(outlets))
					for _, o := range outlets {
						it := outlet{Key: o.Source.Key, Name: o.Source.Name, Domain: o.Source.Domain, Articles: o.Articles,
							Feeds: len(o.Feeds), FailingFeeds: o.Failing}
						if !o.LastReached.IsZero() {
							it.LastReached = &o.LastReached
						}
						out = append(out, it)
					}
					return writeJSON(a.stdout, out)
				}
				tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "KEY\tNAME\tARTICLES\tFEEDS\tFAILING\tLAST REACHED")
				for _, o := range outlets {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\n", o.Source.Key, o.Source.Name, o.Articles, len(o.Feeds), o.Failing, ago(o.LastReached))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "sources: %d\n", len(outlets))
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

// writeJSON prints v as indented JSON, Arabic and URLs as they are.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

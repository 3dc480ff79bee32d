package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/analyzer"
)

// analyzeCmd shows the index terms marsad derives from a text, the same
// terms search and dedup use; --steps shows what each analysis step did.
func (a *cli) analyzeCmd() *cobra.Command {
	var steps bool
	cmd := &cobra.Command{
		Use:   "analyze [--steps] TEXT...",
		Short: "Print the analyzed index terms of a text",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			an := analyzer.New()
			text := strings.Join(args, " ")
			if steps {
				for _, st := range an.Steps(text) {
					fmt.Fprintf(a.stdout, "%s: %s\n", st.Name, st.Output)
				}
				return nil
			}
			fmt.Fprintln(a.stdout, strings.Join(an.Terms(text), " "))
			return nil
		},
	}
	cmd.Flags().BoolVar(&steps, "steps", false, "print the output of each analysis step, one per line")
	return cmd
}

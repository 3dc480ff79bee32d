// Command marsad is the Arabic-first news aggregation engine: one binary that
// imports, follows feeds, deduplicates, clusters, tags, searches and serves.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"
)

// app carries what every command shares: global flags and the logger.
type app struct {
	dbPath string
	log    *slog.Logger
	stdout *os.File
	stderr *os.File
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdout: os.Stdout, stderr: os.Stderr}
	a.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	root := a.rootCmd()
	if err := root.ExecuteContext(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "marsad: interrupted")
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "marsad:", err)
		os.Exit(1)
	}
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "marsad",
		Short:         "marsad (مرصد) — Arabic-first news aggregation engine",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.dbPath, "db", envOr("MARSAD_DB", "./marsad.db"), "store file (env MARSAD_DB)")
	// --cpuprofile writes a CPU profile of the command, for benchmarks.
	var profile string
	var profFile *os.File
	root.PersistentFlags().StringVar(&profile, "cpuprofile", "", "write a CPU profile to this file")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if profile == "" {
			return nil
		}
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		profFile = f
		return pprof.StartCPUProfile(f)
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if profFile != nil {
			pprof.StopCPUProfile()
			profFile.Close()
		}
	}
	// Each command lives in its own file as a constructor; keep this list sorted.
	for _, newCmd := range []func(*app) *cobra.Command{
		(*app).analyzeCmd,
		(*app).benchCmd,
		(*app).evalCmd,
		(*app).extractCmd,
		(*app).feedsCmd,
		(*app).importCmd,
		(*app).pollCmd,
		(*app).reindexCmd,
		(*app).searchCmd,
		(*app).serveCmd,
		(*app).showCmd,
		(*app).statsCmd,
		(*app).storiesCmd,
	} {
		root.AddCommand(newCmd(a))
	}
	return root
}

// evalCmd groups the quality evaluations; each prints its metrics on its last
// line as `eval NAME: key=value ...`.
func (a *app) evalCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "eval", Short: "Measure quality against gold data"}
	// One constructor per evaluation, each in its own file; keep sorted.
	for _, newCmd := range []func(*app) *cobra.Command{
		(*app).evalDedupCmd,
		(*app).evalExtractCmd,
		(*app).evalStemCmd,
		(*app).evalStoriesCmd,
	} {
		cmd.AddCommand(newCmd(a))
	}
	return cmd
}

// envOr returns the environment variable key, or def when it is unset.
func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

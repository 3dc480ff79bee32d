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
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/config"
)

// cli carries what every command shares: the configuration and the logger.
type cli struct {
	cfg    config.Config
	log    *slog.Logger
	stdout *os.File
	stderr *os.File
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &cli{stdout: os.Stdout, stderr: os.Stderr}
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

func (a *cli) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "marsad",
		Short:         "marsad (مرصد) — Arabic-first news aggregation engine",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
	}
	root.SetOut(a.stdout) // --version, help and commands that write to cmd.OutOrStdout
	root.SetErr(a.stderr)
	a.cfg.Register(root.PersistentFlags())
	// --cpuprofile writes a CPU profile of the command, for benchmarks.
	var profile string
	var profFile *os.File
	root.PersistentFlags().StringVar(&profile, "cpuprofile", "", "write a CPU profile to this file")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := a.cfg.Resolve(cmd.Flags()); err != nil {
			return err
		}
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
	// --memprofile writes the live heap at the end of the command (after a
	// collection), to find what a long import keeps.
	var memProfile string
	root.PersistentFlags().StringVar(&memProfile, "memprofile", "", "write a heap profile to this file at the end")
	_ = root.PersistentFlags().MarkHidden("memprofile")
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if profFile != nil {
			pprof.StopCPUProfile()
			profFile.Close()
		}
		if memProfile != "" {
			if f, err := os.Create(memProfile); err == nil {
				runtime.GC()
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}
	// Each command lives in its own file as a constructor; keep this list sorted.
	for _, newCmd := range []func(*cli) *cobra.Command{
		(*cli).analyzeCmd,
		(*cli).benchCmd,
		(*cli).evalCmd,
		(*cli).exportCmd,
		(*cli).extractCmd,
		(*cli).feedsCmd,
		(*cli).importCmd,
		(*cli).migrateCmd,
		(*cli).pollCmd,
		(*cli).reindexCmd,
		(*cli).relatedCmd,
		(*cli).searchCmd,
		(*cli).serveCmd,
		(*cli).showCmd,
		(*cli).sourcesCmd,
		(*cli).statsCmd,
		(*cli).storiesCmd,
		(*cli).tagsCmd,
		(*cli).trainCmd,
	} {
		root.AddCommand(newCmd(a))
	}
	return root
}

// version is the release, set at build time with
// -ldflags "-X main.version=v1.2.3"; builds from a checkout say "dev".
var version = "dev"

// versionString is what --version prints: the release, the analyzer
// version (a store indexed by another needs `marsad reindex`) and Go's.
func versionString() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return fmt.Sprintf("%s (analyzer %d, %s)", v, analyzer.Version, runtime.Version())
}

// evalCmd groups the quality evaluations; each prints its metrics on its last
// line as `eval NAME: key=value ...`.
func (a *cli) evalCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "eval", Short: "Measure quality against gold data"}
	// One constructor per evaluation, each in its own file; keep sorted.
	for _, newCmd := range []func(*cli) *cobra.Command{
		(*cli).evalDedupCmd,
		(*cli).evalExtractCmd,
		(*cli).evalRelatedCmd,
		(*cli).evalStemCmd,
		(*cli).evalStoriesCmd,
		(*cli).evalTagsCmd,
	} {
		cmd.AddCommand(newCmd(a))
	}
	return cmd
}

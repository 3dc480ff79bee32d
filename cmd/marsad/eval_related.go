package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/eval"
	"github.com/marsad/marsad/internal/related"
	"github.com/marsad/marsad/internal/related/relatedstage"
	"github.com/marsad/marsad/store/sqlite"
)

// evalRelatedCmd scores the similar-articles lists against story_gold.
func (a *cli) evalRelatedCmd() *cobra.Command {
	var articles, gold, keep, dump string
	var batch int
	var compare bool
	p := related.DefaultParams()
	cmd := &cobra.Command{
		Use:   "related --articles FILE --gold FILE",
		Short: "Score similar articles (precision@5 against gold stories) and count bad lists (self, copies, a copy group twice)",
		Long: `Imports the whole archive through the standard pipeline into a temporary
store, then computes the lists of every gold article in a gold story of two or
more. p_at5: share of its first k similar entries in its gold story, k = min(5,
other copy groups in that story); strict_p_at5 divides by 5 always. bad_lists:
lists holding the article, a copy of it, one copy group twice, or an entry of
the page's other list. The first line is the baseline (the more-like-this
query's bm25 order, no re-ranking), the last the lists as marsad shows them
(candidates from the related stage's stored vectors), with the baseline's
p_at5 of the same run at its end. --compare adds, between them, the same
re-ranking of candidates from the more-like-this search (the first design).
--dump writes each scored article's lists with their gold labels (one JSON
line per article) for reading where the lists lose.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			w := cmd.OutOrStdout()
			if articles == "" || gold == "" {
				return fmt.Errorf("eval related: --articles and --gold are required")
			}
			g, err := eval.ReadStoryGold(gold)
			if err != nil {
				return err
			}
			items, err := eval.ReadNewsJSONL(articles)
			if err != nil {
				return err
			}
			path := keep
			if path == "" {
				dir, err := os.MkdirTemp("", "marsad-eval-related-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				path = filepath.Join(dir, "eval-related.db")
			}
			_, statErr := os.Stat(path)
			db, err := sqlite.Open(ctx, path)
			if err != nil {
				return err
			}
			defer db.Close()
			var ids map[string]int64
			if keep != "" && statErr == nil {
				// --keep names a store an earlier run imported: reuse it.
				ids, err = eval.StoredIDs(ctx, db, items)
			} else {
				// The stage stores what --key-terms and --vector-terms say.
				rp := relatedstage.Params()
				rp.KeyTerms, rp.VectorTerms = p.KeyTerms, p.VectorTerms
				ids, err = eval.ImportNewsRelated(ctx, db, items, batch, rp)
			}
			if err != nil {
				return fmt.Errorf("eval related: %w", err)
			}
			an := analyzer.New()
			base := p
			base.Plain = true
			bs, err := eval.ScoreRelated(ctx, db, related.New(db, an.Terms, base), g, ids)
			if err != nil {
				return fmt.Errorf("eval related: baseline: %w", err)
			}
			eval.WriteRelated(w, "baseline (bm25 more-like-this, no re-ranking)", bs, nil)
			if compare {
				// The first design, in the same run: the same re-ranking of
				// candidates from a more-like-this search, bodies analyzed.
				sp := p
				sp.FromSearch = true
				ss, err := eval.ScoreRelated(ctx, db, related.New(db, an.Terms, sp), g, ids)
				if err != nil {
					return fmt.Errorf("eval related: search candidates: %w", err)
				}
				eval.WriteRelated(w, "search candidates (more-like-this, bodies analyzed)", ss, &bs)
			}
			var dw io.Writer
			if dump != "" {
				df, err := os.Create(dump)
				if err != nil {
					return err
				}
				defer df.Close()
				dw = df
			}
			s, err := eval.ScoreRelatedDump(ctx, db, related.New(db, an.Terms, p), g, ids, dw)
			if err != nil {
				return fmt.Errorf("eval related: %w", err)
			}
			eval.WriteRelated(w, "eval related", s, &bs)
			return nil
		},
	}
	cmd.Flags().StringVar(&articles, "articles", "", "corpus JSONL (ant_multisource/articles.jsonl)")
	cmd.Flags().StringVar(&gold, "gold", "", "story_gold labels JSONL")
	cmd.Flags().IntVar(&batch, "batch", 500, "import batch size")
	cmd.Flags().StringVar(&keep, "keep", "", "import into this store file and keep it; reuse it when it exists")
	cmd.Flags().BoolVar(&compare, "compare", false, "also score the candidates of the more-like-this search (the first design)")
	cmd.Flags().IntVar(&p.KeyTerms, "key-terms", p.KeyTerms, "heaviest terms the related stage stores per article (a new import only)")
	cmd.Flags().IntVar(&p.VectorTerms, "vector-terms", p.VectorTerms, "terms besides the lead's the related stage stores per article, 0: all (a new import only)")
	cmd.Flags().IntVar(&p.QueryTerms, "query-terms", p.QueryTerms, "terms in the more-like-this query")
	cmd.Flags().IntVar(&p.Candidates, "candidates", p.Candidates, "copy groups re-ranked")
	cmd.Flags().IntVar(&p.TitleWeight, "title-weight", p.TitleWeight, "times a title term counts")
	cmd.Flags().DurationVar(&p.HalfLife, "half-life", p.HalfLife, "time half-life of the ranking (0: off)")
	cmd.Flags().Float64Var(&p.MaxDFShare, "max-df", p.MaxDFShare, "leave terms in more than this share of articles out of the query")
	cmd.Flags().IntVar(&p.BodyRunes, "body-runes", p.BodyRunes, "runes of each body the re-ranking compares (0: all)")
	cmd.Flags().Float64Var(&p.CopyCosine, "copy-cosine", p.CopyCosine, "cosine at which two texts are one")
	cmd.Flags().DurationVar(&p.Window, "window", p.Window, "search candidates published within this long of the article (0: all)")
	cmd.Flags().Float64Var(&p.Lead, "lead", p.Lead, "weight of the leads' cosine")
	cmd.Flags().IntVar(&p.LeadTerms, "lead-terms", p.LeadTerms, "body terms in a lead")
	cmd.Flags().Float64Var(&p.SimilarMin, "similar-min", p.SimilarMin, "least cosine of a similar entry")
	cmd.Flags().StringVar(&dump, "dump", "", "write each scored article's lists, with gold labels, to this JSONL file")
	cmd.Flags().IntVar(&p.Similar, "similar", p.Similar, "similar entries per list")
	cmd.Flags().Float64Var(&p.IDFPower, "idf-power", p.IDFPower, "idf exponent in the re-ranking's weights (0 or 1: plain idf)")
	cmd.Flags().IntVar(&p.Neighbours, "neighbours", p.Neighbours, "best candidates a candidate's mean cosine is taken to (0: off)")
	cmd.Flags().Float64Var(&p.NeighbourWeight, "neighbour-weight", p.NeighbourWeight, "weight of that mean cosine in the score")
	cmd.Flags().IntVar(&p.PerOutlet, "per-outlet", p.PerOutlet, "similar entries from one outlet at most")
	return cmd
}

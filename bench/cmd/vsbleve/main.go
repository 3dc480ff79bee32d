// Command vsbleve measures marsad's import against bleve v2 indexing the same
// articles with its "ar" analyzer, in one run on one machine, and prints the
// ratio. bleve lives in this separate module so the product's go.mod stays
// lean.
//
//	go build -o /tmp/marsad ../cmd/marsad
//	go run ./cmd/vsbleve --marsad /tmp/marsad FILE.jsonl...
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ar"
	"github.com/blevesearch/bleve/v2/mapping"
)

type article struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	Source    string `json:"source"`
	Published string `json:"published"`
}

func main() {
	marsadBin := flag.String("marsad", "", "path to the marsad binary")
	rounds := flag.Int("rounds", 1, "alternate marsad and bleve this many times")
	flag.Parse()
	files := flag.Args()
	if *marsadBin == "" || len(files) == 0 {
		log.Fatal("usage: vsbleve --marsad BIN FILE.jsonl...")
	}
	for r := 0; r < *rounds; r++ {
		mRate, mRSS := runMarsad(*marsadBin, files)
		bRate, bRSS, n := runBleve(files, true)
		bRateNoStore, _, _ := runBleve(files, false)
		fmt.Printf("round %d: marsad=%.0f/s (peak %d MB) bleve_ar_stored=%.0f/s (peak %d MB) bleve_ar_unstored=%.0f/s articles=%d\n",
			r+1, mRate, mRSS, bRate, bRSS, bRateNoStore, n)
		fmt.Printf("bench vsbleve: marsad_rate=%.0f bleve_rate=%.0f ratio=%.2f marsad_peak_mb=%d\n", mRate, bRate, mRate/bRate, mRSS)
	}
}

var rateRe = regexp.MustCompile(`bench import: .* rate=([0-9.]+)/s .*peak_rss_mb=([0-9]+)`)

// runMarsad runs `marsad bench import` (a new temporary store, the whole
// pipeline) and reads its rate.
func runMarsad(bin string, files []string) (rate float64, peakMB int) {
	cmd := exec.Command(bin, append([]string{"bench", "import"}, files...)...)
	cmd.Stderr = nil
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("marsad bench import: %v\n%s", err, out)
	}
	m := rateRe.FindSubmatch(out)
	if m == nil {
		log.Fatalf("marsad bench import: no rate in output:\n%s", out)
	}
	rate, _ = strconv.ParseFloat(string(m[1]), 64)
	peakMB, _ = strconv.Atoi(string(m[2]))
	return rate, peakMB
}

// runBleve indexes every article of files into a new bleve index with the
// "ar" analyzer on title and body, in batches of 500, like marsad's import.
func runBleve(files []string, storeBody bool) (rate float64, peakMB int, n int) {
	dir, err := os.MkdirTemp("", "vsbleve-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	text := bleve.NewTextFieldMapping()
	text.Analyzer = "ar"
	text.Store = storeBody
	text.IncludeTermVectors = storeBody // needed for highlighting, as marsad's snippets
	kw := bleve.NewKeywordFieldMapping()
	doc := bleve.NewDocumentMapping()
	doc.AddFieldMappingsAt("title", text)
	doc.AddFieldMappingsAt("body", text)
	doc.AddFieldMappingsAt("source", kw)
	doc.AddFieldMappingsAt("url", kw)
	im := mapping.NewIndexMapping()
	im.DefaultMapping = doc
	idx, err := bleve.New(filepath.Join(dir, "index.bleve"), im)
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			log.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		b := idx.NewBatch()
		for sc.Scan() {
			var a article
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				continue
			}
			if err := b.Index(a.URL, a); err != nil {
				log.Fatal(err)
			}
			n++
			if b.Size() >= 500 {
				if err := idx.Batch(b); err != nil {
					log.Fatal(err)
				}
				b = idx.NewBatch()
			}
		}
		if err := idx.Batch(b); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}
	if err := idx.Close(); err != nil {
		log.Fatal(err)
	}
	secs := time.Since(start).Seconds()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(n) / secs, int(ru.Maxrss / 1024), n
}

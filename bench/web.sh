#!/usr/bin/env bash
# Load figures of the reader's web and the API (docs/PERFORMANCE.md):
# 64 connections from marsad-load on the same machine against
# `marsad serve --no-poll` over a store of the two shared archives.
#
#   bash bench/web.sh [STORE.db]      # from the repository's root
#
# Without STORE.db a store is made first (marsad bench import --keep).
# Prints one line per run: the marsad-load line and the server's CPU ticks.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${MARSAD_TEST_DATA:-../shared/data}
db=${1:-}
tmp=$(mktemp -d)
trap 'kill "${spid:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/marsad" ./cmd/marsad
go build -o "$tmp/marsad-load" ./cmd/marsad-load
if [ -z "$db" ]; then
	db=$tmp/web.db
	"$tmp/marsad" bench import --keep "$db" "$data/saudinewsnet/articles.jsonl" "$data/ant_multisource/articles.jsonl"
fi
"$tmp/marsad" --db "$db" stories list --limit 100000 | grep -P '^\d+\t' | cut -f1 | sed 's|^|/stories/|' > "$tmp/stories.txt"
addr=127.0.0.1:18080
"$tmp/marsad" --db "$db" serve --no-poll --addr "$addr" > "$tmp/serve.log" 2>&1 &
spid=$!
for _ in $(seq 50); do curl -sf "http://$addr/healthz" > /dev/null && break; sleep 0.2; done
load() { "$tmp/marsad-load" -url "http://$addr" "$@"; }
ticks() { awk '{print $14+$15}' "/proc/$spid/stat"; }
run() {
	local name=$1; shift
	local c0; c0=$(ticks)
	local line; line=$(load "$@" | tail -1)
	echo "$name: $line server_cpu_ticks=$(( $(ticks) - c0 ))"
}
# Warm-up: the working set's pages and related lists (computed in the
# background, at most half the cores), then the story pages.
echo "warm-up: $(load -target article -ids 1:14130 -set 1000 -c 8 -d 120s | tail -1)"
load -paths "$tmp/stories.txt" -set 1000 -d 10s > /dev/null
for _ in 1 2; do
	run article -target article -ids 1:14130 -set 1000 -d 10s
	run story -paths "$tmp/stories.txt" -set 1000 -d 10s
	run home -target home -d 10s
	run search -target search -q السعودية -d 10s
	run api-article -target api-article -ids 1:14130 -set 1000 -d 10s
	run api-search -target api-search -q السعودية -d 10s
done
run article-costly8 -target article -ids 1:14130 -set 1000 -d 10s -costly 8

#!/bin/sh
# bench_db.sh - the database layer on BENCH_DB_DOCS (default 1 000 000)
# wf_miniseed-like documents in SQLite:
#   batched inserts through msp_db_insert_many (bench/db_bench.c, built here)
#   next to raw prepared SQLite INSERTs of the same JSON in the same run;
#   msdb import of JSON lines (docs/s, peak RSS);
#   msquery documents/s out (all documents; a full-scan filter) next to
#   `sqlite3 DB 'SELECT doc ...'` in the same run;
#   indexed query latency in the library, and per msquery process.
# Wall time on a shared machine says little; every tool run also prints its
# CPU time (user+sys from /usr/bin/time), and db_bench its process CPU time.
# Figures only; nothing is asserted.
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${MSPIPE_BIN:-$REPO/bin}
N=${BENCH_DB_DOCS:-1000000}
T=$(mktemp -d "${TMPDIR:-/tmp}/bench_db.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
B="$REPO/build"
[ -f "$B/libmspipe.a" ] || { echo "bench_db: build first (make)"; exit 1; }
cc -O2 -std=gnu11 -I"$REPO/include" $(pkg-config --cflags libmongoc-1.0 libbson-1.0) \
	-o "$T/db_bench" "$REPO/bench/db_bench.c" "$B/libmspipe.a" \
	$(pkg-config --libs libmongoc-1.0 libbson-1.0 sqlite3 mseed libxml-2.0 cairo fftw3) -lfftw3_threads -lpthread -lm

secs() { echo "$2 - $1" | bc -l; }
# cpu: user+sys seconds of the last /usr/bin/time -f "%U %S %M" -o $T/rss run
cpu() { awk '{printf "%.2f", $1 + $2}' "$T/rss"; }
rss() { awk '{print $3}' "$T/rss"; }
export MONGOC_DISABLE_SHM=1   # no /dev/shm counters (see the report: stale segments warn)

echo "== batched inserts, $N documents"
for batch in 1000 10000; do
	rm -f "$T/lib.db"*
	"$T/db_bench" insert "$T/lib.db" "$N" "$batch"
done

echo "== msdb import of JSON lines"
"$BIN/msquery" --db "$T/lib.db" wf_miniseed --fields -_id > "$T/docs.jsonl"
MB=$(du -m "$T/docs.jsonl" | cut -f1)
a=$(date +%s.%N)
/usr/bin/time -f "%U %S %M" -o "$T/rss" "$BIN/msdb" --db "$T/imp.db" import wf_miniseed "$T/docs.jsonl" --batch 1000
b=$(date +%s.%N)
t=$(secs "$a" "$b")
printf 'msdb import: %d docs (%s MB of JSON) wall %.2f s (%.0f docs/s), CPU %s s (%.0f docs/s), peak RSS %d KB\n' "$N" "$MB" "$t" \
	"$(echo "$N / $t" | bc -l)" "$(cpu)" "$(echo "$N / $(cpu)" | bc -l)" "$(rss)"
printf 'database file: %s MB\n' "$(du -m "$T/imp.db" | cut -f1)"

echo "== msquery documents out"
DB="$T/imp.db"
sqlite3 "$DB" 'SELECT doc FROM "wf_miniseed"' > /dev/null    # page cache
a=$(date +%s.%N); sqlite3 "$DB" 'SELECT doc FROM "wf_miniseed"' > /dev/null; b=$(date +%s.%N)
base=$(secs "$a" "$b")
a=$(date +%s.%N)
/usr/bin/time -f "%U %S %M" -o "$T/rss" "$BIN/msquery" --db "$DB" wf_miniseed > /dev/null
b=$(date +%s.%N)
t=$(secs "$a" "$b")
qcpu=$(cpu); qrss=$(rss)
/usr/bin/time -f "%U %S %M" -o "$T/rss" sqlite3 "$DB" 'SELECT doc FROM "wf_miniseed"' > /dev/null
printf 'msquery (all %d docs): wall %.2f s (%.0f docs/s), CPU %s s (%.0f docs/s), peak RSS %d KB; sqlite3 CLI SELECT doc: wall %.2f s, CPU %s s (%.0f docs/s); CPU ratio sqlite3/msquery %.2f\n' \
	"$N" "$t" "$(echo "$N / $t" | bc -l)" "$qcpu" "$(echo "$N / $qcpu" | bc -l)" "$qrss" "$base" "$(cpu)" "$(echo "$N / $(cpu)" | bc -l)" "$(echo "$(cpu) / $qcpu" | bc -l)"
a=$(date +%s.%N)
/usr/bin/time -f "%U %S %M" -o "$T/rss" "$BIN/msquery" --db "$DB" wf_miniseed '{"foff": {"$lt": 409600}, "chan": "BHZ"}' > "$T/out"
b=$(date +%s.%N)
t=$(secs "$a" "$b")
printf 'msquery full scan with a filter (no index): %d of %d docs, wall %.2f s, CPU %s s (%.0f docs scanned/s of CPU)\n' \
	"$(wc -l < "$T/out")" "$N" "$t" "$(cpu)" "$(echo "$N / $(cpu)" | bc -l)"
a=$(date +%s.%N)
/usr/bin/time -f "%U %S %M" -o "$T/rss" "$BIN/msquery" --db "$DB" wf_miniseed --sort sta,-starttime --fields sta,starttime > /dev/null
b=$(date +%s.%N)
printf 'msquery --sort sta,-starttime --fields sta,starttime (no index, all docs): wall %.2f s, CPU %s s, peak RSS %d KB\n' \
	"$(secs "$a" "$b")" "$(cpu)" "$(rss)"

echo "== indexes"
a=$(date +%s.%N)
/usr/bin/time -f "%U %S %M" -o "$T/rss" "$BIN/msdb" --db "$DB" index-create wf_miniseed sta,starttime
b=$(date +%s.%N)
printf 'index-create sta,starttime on %d docs: wall %.2f s, CPU %s s\n' "$N" "$(secs "$a" "$b")" "$(cpu)"
"$BIN/msquery" --db "$DB" wf_miniseed '{"sta": "COR", "starttime": {"$gte": 1.3e9, "$lt": 1.30001e9}}' --plan | head -1
"$T/db_bench" latency "$DB" 2000
a=$(date +%s.%N)
for i in $(seq 1 100); do
	"$BIN/msquery" --db "$DB" wf_miniseed "{\"sta\": \"COR\", \"starttime\": {\"\$gte\": $((1300000000 + i * 36000)), \"\$lt\": $((1300036000 + i * 36000))}}" > /dev/null
done
b=$(date +%s.%N)
printf 'indexed query per msquery process (start, open, query, print): %.1f ms\n' "$(echo "($b - $a) * 10" | bc -l)"
a=$(date +%s.%N)
for k in 1 2 3 4 5 6 7 8; do "$BIN/msquery" --db "$DB" wf_miniseed --partition "$k/8" --group-by dfile --fields _id; done | wc -l
b=$(date +%s.%N)
printf 'msquery --partition K/8 --group-by dfile, all 8 slices: %.2f s\n' "$(secs "$a" "$b")"

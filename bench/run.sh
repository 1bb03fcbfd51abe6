#!/bin/sh
# run.sh - `make bench`: run every bench/bench_*.sh in turn; each prints its
# own figures (throughput, peak RSS, a baseline measured in the same run).
# A failing benchmark is reported and the others still run.
cd "$(dirname "$0")/.." || exit 1
rc=0
for b in bench/bench_*.sh; do
	echo "######## $b"
	sh "$b" || { echo "$b: failed (status $?)"; rc=1; }
done
exit $rc

#!/bin/sh
# bench_qc.sh - the QC and reduce tools: mssnr records/s on 1-hour traces
# (72000 samples at 20 sps, default windows and all optional metrics) next to
# FFTW's own time for the same transforms; msstack (sum, mean, median,
# robust) and msbundle in Msamples/s next to a pass-through (mscat), with
# peak RSS.  Prints figures; asserts nothing.
# Env: BENCH_RECORDS (default 60 one-hour records).
set -e
cd "$(dirname "$0")/.."
BIN=${MSPIPE_BIN:-$PWD/bin}
N=${BENCH_RECORDS:-60}
W=$(mktemp -d "${TMPDIR:-/tmp}/bench_qc.XXXXXX")
trap 'rm -rf "$W"' EXIT

# best of 3 wall times (s) and the peak RSS of one stage: run IN NAME NSAMPLES CMD...
run() {
	in=$1 name=$2 ns=$3; shift 3
	best=
	for i in 1 2 3; do
		a=$(date +%s.%N)
		/usr/bin/time -f "%M" -o "$W/t" "$@" < "$in" > /dev/null
		b=$(date +%s.%N)
		t=$(echo "$b - $a" | bc -l); rss=$(cat "$W/t")
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	rate=$(echo "scale=1; $ns / $best / 1000000" | bc -l)
	printf '%-44s %7.3f s %8s Msamples/s  peak RSS %6s KiB\n' "$name" "$best" "$rate" "$rss"
	last=$best
}

NS=$((N * 72000))
"$BIN/mssynth" --stream --count "$N" --npts 72000 --dt 0.05 --noise 1 --amp 50 \
	--ptime-offset 1800 --seed 1 > "$W/hour"
cat "$W/hour" > /dev/null

echo "== mssnr on $N records x 72000 samples (1 h at 20 sps), windows -130..-5 and -5..120 s"
run "$W/hour" "mscat (pass-through)" $NS "$BIN/mscat"
run "$W/hour" "mssnr (all metrics)" $NS "$BIN/mssnr" --ref synth_ptime
all=$last
run "$W/hour" "mssnr --metrics snr_stats (no filtering)" $NS "$BIN/mssnr" --ref synth_ptime --metrics snr_stats
stats=$last
XDG_CACHE_HOME="$W/cache" "$BIN/mssnr" --ref synth_ptime --metrics snr_stats --measure < "$W/hour" > /dev/null
XDG_CACHE_HOME="$W/cache" run "$W/hour" "mssnr --metrics snr_stats, measured wisdom" $NS \
	"$BIN/mssnr" --ref synth_ptime --metrics snr_stats
wis=$last
B=build/bench
mkdir -p "$B"
cc -O2 bench/fftw_qc.c -lfftw3 -lm -o "$B/fftw_qc"
fftw=$("$B/fftw_qc" 300 | sed -n 's/^per_record //p')
fftwm=$("$B/fftw_qc" 300 measure | sed -n 's/^per_record //p')
echo "$N $all $stats $fftw $wis $fftwm" | awk '{
	printf "mssnr: %.1f records/s (all metrics), %.1f records/s (snr_stats only), %.1f (snr_stats, wisdom)\n", $1/$2, $1/$3, $1/$5;
	printf "FFTW alone, same transforms (12 r2c of 5002, 2 r2c + 2 c2c of 2501): %.3f ms/record = %.0f records/s (estimate); %.3f ms = %.0f records/s (measure)\n", $4*1000, 1/$4, $6*1000, 1/$6;
	printf "mssnr time per record / FFTW time per record: %.1f (all metrics), %.1f (snr_stats), %.1f (snr_stats, wisdom vs measured)\n", ($2/$1)/$4, ($3/$1)/$4, ($5/$1)/$6 }'

echo "== msstack and msbundle"
M=$((N * 4))
"$BIN/mssynth" --stream --count $M --npts 18000 --dt 0.05 --noise 1 --step 0 --seed 2 > "$W/st"
NSS=$((M * 18000))
run "$W/st" "mscat (pass-through, $M x 18000)" $NSS "$BIN/mscat"
for m in sum mean median robust; do
	run "$W/st" "msstack --key sta --method $m" $NSS "$BIN/msstack" --key sta --method $m
done
run "$W/st" "msstack --key sta --partial" $NSS "$BIN/msstack" --key sta --partial
"$BIN/msstack" --key sta --partial < "$W/st" > "$W/partial"
G=$((M / 3))
k=0
while [ $k -lt $G ]; do
	"$BIN/mssynth" --stream --count 3 --npts 18000 --dt 0.05 --noise 1 --step 0 --seed $((k + 3)) \
		--chan BHE,BHN,BHZ --t0 $((1300000000 + k * 1000))
	k=$((k + 1))
done | "$BIN/mscat" > "$W/three"
NSS=$((G * 3 * 18000))
run "$W/three" "mscat (pass-through, $G x 3 x 18000)" $NSS "$BIN/mscat"
run "$W/three" "msbundle ($G groups of 3 x 18000)" $NSS "$BIN/msbundle"
run "$W/three" "msbundle --to-enz" $NSS "$BIN/msbundle" --to-enz

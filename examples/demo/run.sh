#!/bin/sh
# demo/run.sh - the main job (README's first command, `make demo`).
#
# Makes a realistic data set (mssynth: DEMO_STATIONS stations with three
# components around one large event, plus the real recordings, stations and
# events in ../shared/data when present), indexes it into the embedded SQLite
# database, runs the MsPASS chain of seed 001 over DEMO_PARTITIONS partitions
# with GNU parallel (read, normalize, detrend, filter, P and S times, window
# around P, SNR, save), then a second pass that bundles three components,
# measures SNR on the vertical and stacks per event across partitions
# (msstack --partial, then --merge).  Prints a summary and writes
# record-section plots.  Everything goes to DEMO_OUT (default ./demo-out).
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PATH="${MSPIPE_BIN:-$REPO/bin}:$PATH"
OUT=${DEMO_OUT:-$REPO/demo-out}
NSTA=${DEMO_STATIONS:-300}
N=${DEMO_PARTITIONS:-8}
J=${DEMO_JOBS:-2}
DATA=${MSPIPE_DATA:-$REPO/../shared/data}
PY=/usr/bin/python3
export PATH
rm -rf "$OUT"
mkdir -p "$OUT"
export MSPIPE_DB="$OUT/demo.db" MSPIPE_WFDIR="$OUT/wf" PARALLEL_HOME="$OUT/.parallel"
now() { date +%s.%N; }
T0=$(now)

echo "== 1. data: $NSTA synthetic stations x 3 components around a Tohoku-like event"
mssynth --dataset "$OUT/synth" --stations "$NSTA" --seed 2011 --npts 12000 --pre 300 \
	--magnitude 9.1 --dist-min 15 --dist-max 95
inputs="$OUT/synth"
if [ -d "$DATA/waveforms" ]; then
	echo "   plus the real data in $DATA (IV.BOB, II.PFO, CX.PB01, IU.COLA, NL.HGN, BW.BGLD)"
	inputs="$inputs $DATA/waveforms $DATA/stations $DATA/events"
else
	echo "   ($DATA not found: synthetic data only)"
fi

echo "== 2. index waveforms, stations and events into $MSPIPE_DB"
T1=$(now)
msindex $inputs || echo "   (msindex reported files it could not index; the rest is indexed)"
for c in wf_miniseed channel site source; do
	printf '   %-12s %s documents\n' "$c" "$(msquery --count $c)"
done
msquery wf_miniseed --explain > "$OUT/explain.json"
echo "   before the run: $(cat "$OUT/explain.json")"

echo "== 3. the chain, $N partitions over $J jobs (GNU parallel)"
T2=$(now)
CHAIN="msquery wf_miniseed --sort dir,dfile --partition {}/$N \
 | msread | msnormalize channel source --source-tolerance 900 \
 | msdetrend --type linear | msfilter --bandpass 0.02,2 | msptime --phase P,S \
 | mswindow --ref Ptime -150 200 --short truncate | mssnr --signal -5,30 --keep-null \
 | mssave --tag demo -q"
echo "   $CHAIN" | tr -s ' '
BAR=""
[ -t 2 ] && BAR=--bar   # a progress bar when someone is watching
parallel -j"$J" --joblog "$OUT/joblog" $BAR --halt now,fail=1 "$CHAIN" ::: $(seq 1 "$N")
T3=$(now)

echo "== 4. second pass: bundle three components, QC on the vertical, stack per event"
# one station's components are consecutive when sorted by net, sta, loc, time, chan;
# orientations come back from the channel collection (saved documents keep channel_id only)
msquery wf_TimeSeries '{"data_tag":"demo"}' --sort net,sta,loc,starttime,chan \
	| msread | msnormalize channel | msbundle --to-enz | mssnr --qc --component 2 --signal -5,30 \
	| mssave --tag demo3c -q
parallel -j"$J" --halt now,fail=1 \
	"msquery wf_Seismogram '{\"data_tag\":\"demo3c\"}' --partition {}/$N --group-by source_id \
	 | msread | msstack --key source_id --ref Ptime --window -60,120 --partial > $OUT/partial-{}.msp" \
	::: $(seq 1 "$N")
mscat "$OUT"/partial-*.msp | msstack --merge --key source_id | mssave --tag demo-stack -q
T4=$(now)

echo "== 5. record sections"
# saved documents keep source_id, not the source's attributes: normalize again for source_time
msquery wf_TimeSeries '{"data_tag":"demo","net":"XX","chan":"BHZ","sta":{"$regex":"[05]$"}}' \
	| msread | msnormalize source \
	| msplot -o "$OUT/section.png" --position epicentral_distance --align source_time \
	--window 0,1000 --mark Stime --gain 2 --per-page 1000 \
	--title "synthetic M9.1 event, vertical components by distance (iasp91 S marked)"
if [ "$(msquery --count wf_TimeSeries '{"data_tag":"demo","sta":"PB01","chan":"BHZ"}')" -gt 0 ]; then
	# a narrower band than the chain's brings P out of the microseisms at 5 sps
	msquery wf_TimeSeries '{"data_tag":"demo","sta":"PB01","chan":"BHZ"}' \
		| msread | msnormalize source | msfilter --bandpass 0.7,2 --zerophase \
		| msplot -o "$OUT/section-PB01.png" --order epicentral_distance --align Ptime \
		--window -60,180 --label source_time --size 1400x800 \
		--title "CX.PB01 BHZ, 0.7-2 Hz: 2011 events by distance, aligned on iasp91 P"
fi
T5=$(now)

echo "== 6. summary"
$PY "$REPO/examples/demo/summary.py" "$OUT" "$T0" "$T1" "$T2" "$T3" "$T4" "$T5"
ls "$OUT"/*.png

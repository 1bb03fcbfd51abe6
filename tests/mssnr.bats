#!/usr/bin/env bats
# mssnr: arrival snr (MsPASS arrival_snr / broadband_snr_QC) on synthetic
# records with a known answer and on real teleseismic P (IV.BOB, II.PFO),
# kills, QC thresholds, bad input.  The numerics are checked against scipy
# and MsPASS's Python in tests/unit/test_snr.c.
load lib/common

synth() { # noise 1, a 1 Hz Ricker of amplitude A at 150 s, 300 s records
	mssynth --stream --npts 6000 --dt 0.05 --noise 1 --ptime-offset 150 "$@"
}

@test "mssnr: a known time-domain snr is measured within a few percent" {
	synth --count 20 --amp 30 --seed 11 | mssnr --ref synth_ptime --time-domain rms --keep-null | msinfo > "$TMP/j"
	synth --count 1 --amp 30 --noise 0 | mssnr --ref synth_ptime --time-domain rms --keep-null \
		--metrics none --min-bandwidth 0 | msinfo > "$TMP/clean"
	mssynth --stream --count 1 --npts 6000 --dt 0.05 --noise 0 --amp 30 --ptime-offset 150 \
		| msinfo --samples > "$TMP/w"
	$PY - "$TMP/j" "$TMP/w" <<'PY'
import json, sys, math
rows = [json.loads(l) for l in open(sys.argv[1])]
w = json.loads(open(sys.argv[2]).read())
# the wavelet's mean power over the signal window (-5..120 s around 150 s)
i0 = round((145 - 0) / 0.05); n = round(125 / 0.05) + 1
pw = sum(v * v for v in w["data"][i0:i0 + n]) / n
want = math.sqrt(1 + pw)            # noise rms 1
got = [r["metadata"]["Parrival"]["time_domain_snr"] for r in rows]
mean = sum(got) / len(got)
assert all(r["live"] for r in rows)
assert abs(mean - want) / want < 0.03, (mean, want)
assert all(r["metadata"]["Parrival"]["time_domain_metrics"] == "rms/rms" for r in rows)
PY
}

@test "mssnr: arrival_snr keys, a band around the 1 Hz wavelet, ordered statistics" {
	synth --count 3 --amp 100 | mssnr --ref synth_ptime | msinfo > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys, math
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert r["live"], r["elog"]
    p = r["metadata"]["Parrival"]
    keys = ["low_f_band_edge", "high_f_band_edge", "low_f_band_edge_snr", "high_f_band_edge_snr",
            "spectrum_frequency_range", "bandwidth", "bandwidth_fraction", "filter_type",
            "filter_number_poles", "median_snr", "maximum_snr", "minimum_snr", "q1_4_snr",
            "q3_4_snr", "mean_snr", "stats_are_valid", "snr_filtered_envelope_peak",
            "snr_filtered_rms", "snr_filtered_peak", "snr_filtered_mad", "snr_filtered_perc",
            "snr_perc", "phase"]
    assert list(p) == keys, list(p)
    assert p["low_f_band_edge"] < 0.8 < 1.5 < p["high_f_band_edge"] < 4, p
    assert abs(p["bandwidth"] - 20 * math.log10(p["high_f_band_edge"] / p["low_f_band_edge"])) < 1e-9
    assert p["spectrum_frequency_range"] == 10.0 and p["phase"] == "P"
    assert p["maximum_snr"] >= p["q3_4_snr"] >= p["median_snr"] >= p["q1_4_snr"] >= p["minimum_snr"]
    assert p["median_snr"] > 3 and p["snr_filtered_rms"] > 3 and p["filter_number_poles"] == 3
PY
}

@test "mssnr: no signal is killed (kill_null_signals); --keep-null keeps it with a Complaint" {
	synth --count 2 --amp 0 | mssnr --ref synth_ptime | msinfo > "$TMP/j"
	[ "$(grep -c '"live":false' "$TMP/j")" -eq 2 ]
	grep -q 'no detectable signal' "$TMP/j"
	synth --count 2 --amp 0 | mssnr --ref synth_ptime --keep-null | msinfo > "$TMP/k"
	[ "$(grep -c '"live":true' "$TMP/k")" -eq 2 ]
	! grep -q Parrival "$TMP/k" || false
	grep -q Complaint "$TMP/k"
}

@test "mssnr: windows outside the data and a missing arrival kill with an elog entry" {
	synth --count 1 --amp 100 | mssnr --ref synth_ptime --noise -200,-5 | msinfo > "$TMP/j"
	grep -q '"live":false' "$TMP/j"
	grep -q 'noise window .* is not inside the data' "$TMP/j"
	synth --count 1 --amp 100 | mssnr --ref synth_ptime --signal -5,200 | msinfo > "$TMP/k"
	grep -q 'signal window .* is not inside the data' "$TMP/k"
	synth --count 1 --amp 100 | mssnr | msinfo > "$TMP/l"
	grep -q '"live":false' "$TMP/l"
	grep -q 'Ptime' "$TMP/l"
	# dead records pass through untouched
	synth --count 2 --kill-every 1 | mssnr --ref synth_ptime | msinfo > "$TMP/m"
	! grep -q arrival_snr "$TMP/m" || false
}

@test "mssnr --qc: window times, Seismogram component, thresholds" {
	mssynth --stream --kind seis --count 2 --npts 6000 --dt 0.05 --noise 1 --amp 100 --ptime-offset 150 \
		| mssnr --qc --ref synth_ptime --output-key Pqc | msinfo > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    m = r["metadata"]; p = m["Pqc"]
    assert r["live"] and r["kind"] == "Seismogram"
    t = m["synth_ptime"]
    assert p["snr_arrival_time"] == t
    assert (p["snr_noise_window_start"], p["snr_noise_window_end"]) == (t - 130, t - 5)
    assert (p["snr_signal_window_start"], p["snr_signal_window_end"]) == (t - 5, t + 120)
PY
	# component 0 (east) has no P at vertical incidence: killed
	mssynth --stream --kind seis --count 1 --npts 6000 --dt 0.05 --noise 1 --amp 100 --ptime-offset 150 \
		| mssnr --qc --ref synth_ptime --component 0 | msinfo > "$TMP/k"
	grep -q '"live":false' "$TMP/k"
	synth --count 2 --amp 100 | mssnr --ref synth_ptime --kill-below median_snr=1e6 | msinfo > "$TMP/l"
	[ "$(grep -c 'QC: median_snr=' "$TMP/l")" -eq 2 ]
	synth --count 1 --amp 100 | mssnr --ref synth_ptime --metrics none --kill-below median_snr=1 | msinfo > "$TMP/m"
	grep -q 'QC: median_snr was not measured' "$TMP/m"
	synth --count 1 --amp 100 | mssnr --ref synth_ptime --metrics snr_stats,filtered_L2 | msinfo > "$TMP/n"
	grep -q '"snr_filtered_rms"' "$TMP/n"
	! grep -q '"snr_filtered_mad"' "$TMP/n" || false
}

@test "mssnr: relative-time records aligned on the arrival" {
	command -v msator >/dev/null || skip "msator not built"
	synth --count 1 --amp 100 --seed 3 | mssnr --ref synth_ptime | msinfo > "$TMP/a"
	synth --count 1 --amp 100 --seed 3 | msator --ref synth_ptime | mssnr --ref synth_ptime | msinfo > "$TMP/b"
	$PY - "$TMP/a" "$TMP/b" <<'PY'
import json, sys
a, b = (json.loads(open(p).read())["metadata"]["Parrival"] for p in sys.argv[1:3])
for k in a:
    assert a[k] == b[k] or abs(a[k] - b[k]) < 1e-9 * abs(a[k]), k
PY
}

@test "mssnr: real teleseismic P at IV.BOB and II.PFO (Tohoku) has a band" {
	need_data
	command -v msindex >/dev/null || skip "msindex not built"
	msindex "$DATA"/stations/*.xml "$DATA"/events/*.xml > /dev/null
	$PY "$REPO/tests/lib/wfdocs.py" "$DATA"/waveforms/IV.BOB*.mseed "$DATA"/waveforms/II.PFO*.mseed \
		| msread | msnormalize --source-tolerance 100 channel source | msptime --phase P \
		| msdetrend --type demean | mssnr --qc | msinfo > "$TMP/j"
	$PY - "$TMP/j" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 5
for r in rows:
    m = r["metadata"]
    assert r["live"], (m["sta"], m["chan"], r["elog"])
    p = m["Parrival"]
    assert p["bandwidth"] > 10 and p["median_snr"] > 2, (m["sta"], m["chan"], p)
    # the search stops on the spectrum bin nearest the 0.8 Nyquist ceiling: up to half a bin above it
    assert 0 <= p["low_f_band_edge"] < p["high_f_band_edge"] <= 0.8 * 0.5 / r["dt"] + 0.01
    assert "source_id" in p and "channel_id" in p
PY
}

@test "mssnr: --measure saves FFTW wisdom that later runs use; results agree with estimated plans" {
	synth --count 2 --amp 100 > "$TMP/in"
	XDG_CACHE_HOME="$TMP/cache" mssnr --ref synth_ptime < "$TMP/in" | msinfo > "$TMP/est"
	[ ! -e "$TMP/cache/mspipe/fftw-wisdom" ]
	XDG_CACHE_HOME="$TMP/cache" mssnr --ref synth_ptime --measure < "$TMP/in" > /dev/null
	[ -s "$TMP/cache/mspipe/fftw-wisdom" ]
	XDG_CACHE_HOME="$TMP/cache" run mssnr --ref synth_ptime -v < "$TMP/in"
	[[ "$output" == *"FFT planning: wisdom"* ]]
	mssnr --ref synth_ptime --wisdom "$TMP/cache/mspipe/fftw-wisdom" < "$TMP/in" | msinfo > "$TMP/wis"
	$PY - "$TMP/est" "$TMP/wis" <<'PY'
import json, sys
for a, b in zip(open(sys.argv[1]), open(sys.argv[2])):
    pa, pb = json.loads(a)["metadata"]["Parrival"], json.loads(b)["metadata"]["Parrival"]
    assert pa.keys() == pb.keys()
    for k in pa:
        if isinstance(pa[k], float):
            assert abs(pa[k] - pb[k]) <= 1e-9 * max(1, abs(pa[k])), k
PY
	echo "not wisdom" > "$TMP/bad"
	run mssnr --wisdom "$TMP/bad" < "$TMP/in"
	[ "$status" -eq 1 ]
}

@test "mssnr: usage errors exit 2, broken stream exits 1" {
	for a in "--ntapers 9" "--tbp 2 --ntapers 5" "--metrics bogus" "--noise 5,1" "--signal 1" \
		"--component 3" "--kill-below median_snr" "--kill-below =3" "--time-domain foo" \
		"--time-domain rms,bar" "--band-cutoff 2x" "--output-key a.b" "--bogus" "extra"; do
		run mssnr $a
		[ "$status" -eq 2 ] || { echo "$a -> $status"; false; }
	done
	synth --count 2 --amp 10 > "$TMP/in"
	head -c 5000 "$TMP/in" > "$TMP/cut"
	run mssnr --ref synth_ptime < "$TMP/cut"
	[ "$status" -eq 1 ]
	[[ "$output" == mssnr:* ]]
}

#!/bin/sh
# pyref.sh - make build/pyvenv, a Python venv with ObsPy, for the tests that
# compare mspipe's DSP against ObsPy (Trace.filter, the MsPASS reference).
# Uses the python3 on PATH (pyenv's; Debian's /usr/bin/python3 has numpy+scipy
# but no ObsPy).  A no-op when the venv already imports obspy.
# Prints the venv's python path on success; exits 1 (with pip's message on
# stderr) when PyPI cannot be reached.
set -e
cd "$(dirname "$0")/.."
V=build/pyvenv
# done when the venv imports obspy: say where it is
ready() {
	if [ -x "$V/bin/python" ] && "$V/bin/python" -c 'import obspy' 2>/dev/null; then
		echo "$PWD/$V/bin/python"
		exit 0
	fi
}
ready
mkdir -p build
# One creator at a time (bats files may run this concurrently; the one that
# waited may find it made).
exec 9>build/pyvenv.lock
flock 9
ready
rm -rf "$V"
python3 -m venv "$V" >&2
"$V/bin/python" -m pip install --quiet --disable-pip-version-check obspy >&2
echo "$PWD/$V/bin/python"

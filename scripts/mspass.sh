#!/bin/sh
# mspass.sh - make build/mspassvenv, a Python venv with MsPASS (mspasspy) built
# from its PyPI source release, for bench/bench_chain.sh's "MsPASS's own
# algorithms" figures.  Used by the benchmark only, never by `make check`.
#
# `pip install mspasspy` does not work as it is on this Debian 12 machine: its
# C++ extension's CMake build downloads libmseed 3 from GitHub every time (no
# Debian package has libmseed 3), asks for Boost 1.86 exactly (Debian has 1.74)
# and builds it from a download otherwise, fetches pybind11 with git when it is
# missing, and adds a test directory the source release does not contain.  So
# this script, in build/ only (nothing of MsPASS enters the repository):
#   - installs the Debian packages the build needs (gfortran, Boost
#     serialization, yaml-cpp, GSL, LAPACK) when missing;
#   - downloads the mspasspy source release with pip, and pymseed's (PyPI),
#     whose source carries libmseed 3;
#   - patches the unpacked source: libmseed from that local copy, Debian's
#     Boost, no test directory, and mseed_file_indexer.cc ported to libmseed
#     3.1's ms3_readmsr_r (the fpos and last arguments were removed; the
#     record's offset is msfp->streampos - msr->reclen, per libmseed's porting
#     guide);
#   - builds it with pip (no build isolation: setuptools_scm, numpy and
#     pybind11 2.13.6, the version MsPASS pins, from PyPI into the venv) and
#     installs the Python packages that mspasspy.algorithms imports.
# A no-op when the venv already imports what the benchmark uses.  Prints the
# venv's python path on success; exits 1 with a one-line reason on stderr (the
# build's log is kept in build/mspass-build.log) when it cannot.
set -e
cd "$(dirname "$0")/.."
V=build/mspassvenv
VER=2.4.3
CHECK='import mspasspy.ccore.seismic, mspasspy.algorithms.signals, mspasspy.algorithms.window, mspasspy.algorithms.snr'
# done when the venv imports what the benchmark uses: say where it is
ready() {
	if [ -x "$V/bin/python" ] && "$V/bin/python" -c "$CHECK" 2>/dev/null; then
		echo "$PWD/$V/bin/python"
		exit 0
	fi
}
ready
mkdir -p build
# One creator at a time (and the one that waited may find it made).
exec 9>build/mspassvenv.lock
flock 9
ready
LOG=$PWD/build/mspass-build.log
: > "$LOG"
fail() {
	echo "mspass.sh: $1 (log: $LOG)" >&2
	exit 1
}

sh scripts/install-deps.sh cmake make g++ gfortran libboost-serialization-dev libyaml-cpp-dev \
	libgsl-dev liblapack-dev >> "$LOG" 2>&1 || fail "installing the build's Debian packages failed"

rm -rf "$V" build/mspass-src
python3 -m venv "$V" >> "$LOG" 2>&1 || fail "python3 -m venv failed"
PIP="$V/bin/python -m pip --disable-pip-version-check"
$PIP install --quiet setuptools wheel setuptools_scm numpy pybind11==2.13.6 >> "$LOG" 2>&1 ||
	fail "pip install of the build requirements failed (no PyPI?)"
S=build/mspass-src
mkdir -p "$S"
# (mspasspy's metadata needs setuptools_scm from the venv; pymseed's needs cffi,
# which its isolated build environment brings)
{ $PIP download --quiet --no-deps --no-binary :all: --no-build-isolation -d "$S" "mspasspy==$VER" &&
  $PIP download --quiet --no-deps --no-binary :all: -d "$S" pymseed==1.0.1; } >> "$LOG" 2>&1 ||
	fail "pip download of the mspasspy and pymseed sources failed (no PyPI?)"
tar -xzf "$S/mspasspy-$VER.tar.gz" -C "$S" && tar -xzf "$S/pymseed-1.0.1.tar.gz" -C "$S" || fail "cannot unpack the sources"
M=$PWD/$S/mspasspy-$VER
C=$M/cxx
tar -czf "$S/libmseed.tar.gz" -C "$S/pymseed-1.0.1/cffi_module" libmseed
# libmseed from the local copy instead of GitHub
sed -i -e "s|^ *https://github.com/iris-edu/libmseed/.*|    $PWD/$S/libmseed.tar.gz|" -e '/URL_HASH/,+1d' \
	"$C/cmake/mseed-download.cmake"
# Debian's Boost (1.74): MsPASS pins 1.86 for its serialization archives, which
# the benchmark does not use
sed -i 's/find_package (Boost 1.86.0 EXACT COMPONENTS serialization)/find_package (Boost 1.74.0 COMPONENTS serialization)/' "$C/CMakeLists.txt"
# Debian's libboost_serialization.a is not built with -fPIC: link the shared one
sed -i 's/^set (Boost_USE_STATIC_LIBS ON)/set (Boost_USE_STATIC_LIBS OFF)/' "$C/CMakeLists.txt"
# Debian's yaml-cpp (0.7) is found but its config sets no YAML_CPP_INCLUDE_DIR
# (the headers are in /usr/include): do not clone yaml-cpp from GitHub
sed -i 's/^if (NOT YAML_CPP_INCLUDE_DIR)/if (NOT yaml-cpp_FOUND)/' "$C/CMakeLists.txt"
# the source release has no cxx/test
sed -i 's/^add_subdirectory (test)/#&/' "$C/CMakeLists.txt"
# libmseed >= 3.1: ms3_readmsr_r lost its fpos and last arguments
F=$C/src/lib/io/mseed_file_indexer.cc
perl -0pi -e 's/ms3_readmsr_r\(&msfp, &msr, inputfile.c_str\(\), &fpos, NULL, flags,\s*verbose\);/ms3_readmsr_r(&msfp, &msr, inputfile.c_str(), flags, verbose);\n    if (retcode == MS_NOERROR)\n      fpos = msfp->streampos - msr->reclen;/; s/ms3_readmsr_r\(&msfp, &msr, NULL, NULL, NULL, 0, 0\);/ms3_readmsr_r(&msfp, &msr, NULL, 0, 0);/' "$F"
grep -q 'fpos = msfp->streampos - msr->reclen' "$F" && ! grep -q 'NULL, NULL, NULL, 0, 0' "$F" ||
	fail "patching mseed_file_indexer.cc failed"
grep -q 'https://github.com/iris-edu' "$C/cmake/mseed-download.cmake" && fail "patching mseed-download.cmake failed"
grep -q 'Boost 1.74.0' "$C/CMakeLists.txt" && grep -q 'STATIC_LIBS OFF' "$C/CMakeLists.txt" &&
	grep -q 'NOT yaml-cpp_FOUND' "$C/CMakeLists.txt" || fail "patching CMakeLists.txt failed"

echo "mspass.sh: building mspasspy $VER (C++ extension: a few minutes)" >&2
PATH="$PWD/$V/bin:$PATH" pybind11_DIR=$("$V/bin/python" -m pybind11 --cmakedir) \
	SETUPTOOLS_SCM_PRETEND_VERSION=$VER \
	$PIP install --no-deps --no-build-isolation -v "$M" >> "$LOG" 2>&1 ||
	fail "building mspasspy failed: $(grep -E 'error:' "$LOG" | head -1 | cut -c1-200)"
# what mspasspy.ccore and mspasspy.algorithms (signals, window, snr) import (the
# rest of mspasspy's dependencies -- the AWS SDKs, moto, numba, zarr, ... -- serve
# its database, cloud and other modules)
$PIP install --quiet pyyaml pymongo obspy "dask[complete]>=2025.9.1" decorator pandas xarray >> "$LOG" 2>&1 ||
	fail "pip install of mspasspy's Python dependencies failed"
"$V/bin/python" -c "$CHECK" >> "$LOG" 2>&1 || fail "mspasspy built but does not import: $(tail -1 "$LOG")"
echo "$PWD/$V/bin/python"

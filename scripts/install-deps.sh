#!/bin/sh
# install-deps.sh - install the Debian packages mspipe needs, only when missing.
# A no-op on a machine that has them; uses sudo when not root.
# With arguments, those packages instead (scripts/mspass.sh's build needs).
set -eu
PKGS="${*:-build-essential pkg-config libmseed-dev libbson-dev libmongoc-dev libfftw3-dev
libsqlite3-dev sqlite3 libxml2-dev libcairo2-dev parallel bats mseed2sac
python3-numpy python3-scipy python3-mockupdb python3-pymongo python3-gridfs clang libclang-rt-14-dev
valgrind util-linux procps openssh-server openssh-client rsync
slurm-wlm slurmctld slurmd slurm-client munge fonts-dejavu-core}"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2

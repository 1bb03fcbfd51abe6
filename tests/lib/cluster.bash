# cluster.bash - a one-machine "cluster" for the examples' tests: sshd on a
# loopback port for parallel --sshlogin, and munge + slurmctld + slurmd for a
# Slurm job array.  Everything lives under a directory of the test and is
# stopped by PID at the end.  When a piece cannot start, the caller skips
# (or fails in CI: skip_or_fail).

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_sshd DIR: sshd on 127.0.0.1:PORT; sets PARALLEL_SSH to an ssh that reaches it.
start_sshd() {
	local d=$1 port
	[ -x /usr/sbin/sshd ] || return 1
	mkdir -p "$d" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$d/id" || return 1
	cp "$d/id.pub" "$d/authorized_keys"
	port=$(free_port)
	cat > "$d/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
CONF
	/usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" || return 1
	cat > "$d/ssh_config" <<CONF
Host *
  Port $port
  IdentityFile $d/id
  UserKnownHostsFile $d/known_hosts
  StrictHostKeyChecking accept-new
  BatchMode yes
  LogLevel ERROR
CONF
	export PARALLEL_SSH="ssh -F $d/ssh_config"
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		$PARALLEL_SSH 127.0.0.1 true 2>/dev/null && return 0
		sleep 0.3
	done
	return 1
}

stop_sshd() {
	[ -f "$1/sshd.pid" ] && kill "$(cat "$1/sshd.pid")" 2>/dev/null
	return 0
}

# start_slurm DIR: munged (if none runs), slurmctld and slurmd with a config in DIR.
start_slurm() {
	local d=$1 host cport dport i
	command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null || return 1
	[ -f /etc/munge/munge.key ] || return 1
	mkdir -p "$d/state" "$d/spool" /run/munge
	chown munge:munge /run/munge 2>/dev/null || true
	if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
		runuser -u munge -- /usr/sbin/munged 2>/dev/null || /usr/sbin/munged --force 2>/dev/null || return 1
		touch "$d/started-munged"
		sleep 0.5
	fi
	host=$(hostname -s)
	cport=$(free_port)
	dport=$(free_port)
	cat > "$d/slurm.conf" <<CONF
ClusterName=mspipetest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$cport
SlurmdPort=$dport
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MaxArraySize=1001
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
	export SLURM_CONF="$d/slurm.conf"
	/usr/sbin/slurmctld -f "$SLURM_CONF" 2>>"$d/start.log" || return 1
	/usr/sbin/slurmd -f "$SLURM_CONF" -N "$host" 2>>"$d/start.log" || return 1
	for i in $(seq 1 40); do
		sinfo -h -o %T 2>/dev/null | grep -q idle && return 0
		sleep 0.5
	done
	return 1
}

stop_slurm() {
	local d=$1
	[ -f "$d/slurmd.pid" ] && kill "$(cat "$d/slurmd.pid")" 2>/dev/null
	[ -f "$d/slurmctld.pid" ] && kill "$(cat "$d/slurmctld.pid")" 2>/dev/null
	if [ -f "$d/started-munged" ] && [ -f /run/munge/munged.pid ]; then
		kill "$(cat /run/munge/munged.pid)" 2>/dev/null
	fi
	return 0
}

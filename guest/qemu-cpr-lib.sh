# shellcheck shell=sh
# Shared by qemu_cpr_test and qemu_cpr_bad_input_test (sourced): start our
# QEMU (build/qemu-obj, with qemu/patches) on the guest of cpr-guest.S,
# drive cpr-transfer over QMP with qmp-cmd, and read the guest's counts.
# The tests print KTAP; a failed check ends the test case, not the test:
# each case runs in a subshell with "set -e".

Q=/kvm/qemu
QEMU=$Q/qemu-system-x86_64
W=/tmp/qemu-cpr
STEP=1048576		# cpr-guest.S: a line every STEP counts

# KTAP bookkeeping: run_case NAME FUNCTION
n=0 failed=0
ktap_begin() { echo "TAP version 13"; echo "1..$1"; }
run_case() {
	n=$((n + 1))
	rm -rf "$W"; mkdir -p "$W"
	echo "# RUN $1"
	# Not in an if: "set -e" would not apply to the case.
	( set -e; "$2" )
	if [ $? = 0 ]; then
		echo "ok $n $1"
	else
		failed=$((failed + 1))
		for f in "$W"/*.err "$W"/*.migrate "$W"/*.query-migrate; do
			[ -s "$f" ] && sed "s|^|# $(basename "$f"): |" "$f"
		done
		echo "not ok $n $1"
	fi
	stop_all
}
ktap_end() {
	echo "# Totals: pass:$((n - failed)) fail:$failed xfail:0 xpass:0 skip:0 error:0"
	[ "$failed" = 0 ]
}
# Ends the test case, also from a command substitution: the message goes
# to stderr, which the test's output includes.
fail() { echo "# FAIL: $*" >&2; exit 1; }

# The machine: a sw-protected guest (CGS=1), an SEV guest (CGS=sev, with
# SEV_POLICY and the sev-guest options SEV_OPTS), an SNP guest (CGS=snp)
# or no confidential guest (CGS=0), with MEM MiB and SMP vCPUs, booting
# BIOS (default cpr-guest.bin).  SEV: the emulated platform's CPUID leaf
# 0x8000001f is KVM's alone (TCG reports C-bit 0 to the test guest), and
# QEMU requires 1 to 63 reduced physical address bits.
MEM=32 SMP=1 CGS=1 SEV_POLICY=0x1 SEV_OPTS=
machine_args() {
	m="-machine pc,smm=off,aux-ram-share=on,memory-backend=ram0"
	case "$CGS" in
	1) echo "$m,confidential-guest-support=swp -object sw-protected-guest,id=swp" ;;
	sev) echo "$m,confidential-guest-support=sev0" \
		  "-object sev-guest,id=sev0,cbitpos=0,reduced-phys-bits=1,policy=$SEV_POLICY$SEV_OPTS" ;;
	snp) echo "$m,confidential-guest-support=sev0" \
		  "-object sev-snp-guest,id=sev0,cbitpos=0,reduced-phys-bits=1" ;;
	*) echo "$m" ;;
	esac
	echo "-object memory-backend-memfd,id=ram0,size=${MEM}M,share=on" \
	     "-m ${MEM}M -smp $SMP -accel kvm -nodefaults -vga none -display none" \
	     "-global kvm-apic.vapic=off -bios ${BIOS:-$Q/cpr-guest.bin}"
}

# start NAME [ARGS...]: QEMU NAME in the background, its guest's output in
# $W/NAME.log, its monitor at $W/NAME.qmp, stderr in $W/NAME.err.
start() {
	name=$1; shift
	# shellcheck disable=SC2046
	$IN_CGROUP $QEMU $(machine_args) \
		-chardev file,id=dbg,path="$W/$name.log" \
		-device isa-debugcon,iobase=0x402,chardev=dbg \
		-qmp unix:"$W/$name.qmp",server=on,wait=off \
		-trace kvm_set_user_memory,file="$W/$name.slots" \
		"$@" </dev/null >"$W/$name.out" 2>"$W/$name.err" &
	echo $! >"$W/$name.pid"
}

# start_incoming NAME: a new QEMU waiting for cpr-transfer on $W/NAME.cpr
# (the fds) and $W/NAME.mig (the migration stream).
start_incoming() {
	name=$1; shift
	start "$name" -incoming "unix:$W/$name.mig" \
		-incoming "cpr,addr.transport=socket,addr.type=unix,addr.path=$W/$name.cpr" "$@"
	wait_for "$name: cpr socket" test -S "$W/$name.cpr"
}

pid() { cat "$W/$1.pid"; }
alive() { kill -0 "$(pid "$1")" 2>/dev/null; }
# The exit status of QEMU NAME once it has exited (busybox wait works on
# children of this shell only, so poll).
exited() { ! alive "$1"; }

stop_all() {
	for p in "$W"/*.pid; do
		[ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
	done
	wait 2>/dev/null
	true
}

# wait_for WHAT CMD...: until CMD succeeds, at most 60 s.
wait_for() {
	what=$1; shift
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -lt 600 ] || fail "timed out waiting for $what"
		sleep 0.1
	done
}

qmp() { $Q/qmp-cmd "$W/$1.qmp" "$2"; }

# The counts CPU printed in the logs of QEMUs NAME..., in order, one a line
# (a line cut in two by an upgrade is joined), as decimal numbers.
counts() {
	cpu=$1; shift
	for name in "$@"; do cat "$W/$name.log"; done |
		sed -n "s/^c$cpu=\([0-9a-f]\{8\}\)$/\1/p" |
		while read -r h; do echo $((0x$h)); done
}

# nr_counts CPU NAME: how many counts QEMU NAME's guest printed for CPU
nr_counts() { counts "$1" "$2" | wc -l; }
more_counts() {	# more_counts CPU NAME N: at least N
	[ "$(nr_counts "$1" "$2")" -ge "$3" ]
}

# check_counts NAME...: the guest's counts across the logs of QEMUs NAME...
# go on STEP by STEP from STEP, for each of its $SMP CPUs, and no CPU
# found its private memory lost.
check_counts() {
	if cat_logs "$@" | grep -q '^[EH]'; then
		fail "guest reported: $(cat_logs "$@" | grep '^[EH]' | head -3 | tr '\n' ' ')"
	fi
	cpu=0
	while [ $cpu -lt "$SMP" ]; do
		want=$STEP nr=0
		for c in $(counts $cpu "$@"); do
			[ "$c" = "$want" ] || fail "cpu $cpu: count $c where $want was due (logs: $*)"
			want=$((want + STEP)) nr=$((nr + 1))
		done
		[ $nr -gt 0 ] || fail "cpu $cpu printed nothing (logs: $*)"
		echo "# cpu $cpu: $nr counts in a row across $*"
		cpu=$((cpu + 1))
	done
}
cat_logs() { for name in "$@"; do cat "$W/$name.log"; done; }

status() {	# status NAME: the run state QEMU NAME reports
	qmp "$1" '{"execute":"query-status"}' | sed -n 's/.*"status": "\([a-z-]*\)".*/\1/p'
}

# cpr_transfer FROM TO: migrate QEMU FROM to the waiting QEMU TO with
# cpr-transfer; prints FROM's final query-migrate reply.
cpr_transfer() {
	qmp "$1" '{"execute":"migrate-set-parameters","arguments":{"mode":"cpr-transfer"}}' >/dev/null ||
		fail "$1: migrate-set-parameters"
	qmp "$1" "{\"execute\":\"migrate\",\"arguments\":{\"channels\":[
		{\"channel-type\":\"main\",\"addr\":{\"transport\":\"socket\",\"type\":\"unix\",\"path\":\"$W/$2.mig\"}},
		{\"channel-type\":\"cpr\",\"addr\":{\"transport\":\"socket\",\"type\":\"unix\",\"path\":\"$W/$2.cpr\"}}]}}" \
		>"$W/$1.migrate" || fail "$1: migrate: $(cat "$W/$1.migrate")"
	wait_for "$1: migration to end" migration_ended "$1"
	cat "$W/$1.query-migrate"
}
migration_ended() {
	qmp "$1" '{"execute":"query-migrate"}' >"$W/$1.query-migrate" 2>/dev/null || return 1
	grep -q '"status": "\(completed\|failed\|cancelled\)"' "$W/$1.query-migrate"
}

# ram_field FIELD QUERY: FIELD of the "ram" object of a query-migrate reply
ram_field() {
	echo "$2" | sed -n "s/.*\"ram\": {[^}]*\"$1\": \([0-9]*\).*/\1/p"
}

# layout NAME: QEMU NAME's user memslots as "gpa id" lines, by gpa,
# replayed from its kvm_set_user_memory trace (size 0 deletes a memslot).
layout() {
	awk '{
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^Slot#/) id = substr($i, 6)
			if ($i ~ /^gpa=/) gpa = substr($i, 5)
			if ($i ~ /^size=/) size = substr($i, 6)
		}
		if (size == "0x0") delete at[id]; else at[id] = gpa
	} END { for (id in at) print at[id], id }' "$W/$1.slots" | sort
}

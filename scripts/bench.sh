#!/bin/bash
# make bench: how long KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM stops a guest,
# against guest_memfd size and vCPU count, next to copying 4 GiB once
# (vm_move_perf_test); and the downtime of a VMM upgrade with our QEMU:
# cpr-transfer with and without the move, and precopy (qemu_cpr_bench).
# Both run (arguments in bench-args) in the TCG test guest on a kernel
# without lockdep (configs/test.config + configs/bench.config), then
# build/bench/results.json, a table and build/bench/move-latency.png.
. "$(dirname "$0")/common.sh"

begin bench
# The benchmark's results are bench.py's; those of the builds (QEMU's)
# are not recorded, only the guest's.
PARTS=
prepare_test_kernel
if ! command -v gnuplot >/dev/null; then
	[ "$(id -u)" = 0 ] || die "make bench plots with gnuplot: apt-get install gnuplot-nox"
	stage "installing gnuplot-nox"
	run "$LOGS/apt-gnuplot.log" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends gnuplot-nox
fi
stage "bench kernel (configs/test.config + configs/bench.config)"
"$STAGES/kconfig.sh" "$OBJ_BENCH" "$TOP/configs/test.config" "$TOP/configs/bench.config"
run "$LOGS/bench-kernel.log" kmake "$OBJ_BENCH" bzImage
# The 4 GiB copy needs 8 GiB in the guest, precopy of an 8 GiB guest 16.
stage "benchmarks in the TCG guest:"
grep -v '^#' "$TOP/bench-args" | sed 's/^/    /'
PARTS=$OUT/parts.jsonl
guest bench --mem "${BENCH_MEM:-20G}" --kernel "$OBJ_BENCH/arch/x86/boot/bzImage" \
	--stall 1200 --limit 7200
python3 "$SCRIPTS/results.py" all-pass "$PARTS" ||
	die "the benchmark did not complete; see ${OUT#"$TOP"/}/vm/"
python3 "$STAGES/bench.py" "$OUT/vm/tests/bench.log" "$OUT/results.json" \
	"test.config + bench.config: $(grep -c '^CONFIG_.*=y' "$OBJ_BENCH/.config") options," \
	"$(grep -q '^CONFIG_PROVE_LOCKING=y' "$OBJ_BENCH/.config" && echo with || echo no) lockdep"
gnuplot -e "dir='$OUT'" "$STAGES/bench.gp"
say "    plot: ${OUT#"$TOP"/}/move-latency.png"
say "    total time $(elapsed "$T0") s"

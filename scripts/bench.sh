#!/bin/bash
# make bench: how long KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM stops a guest,
# against guest_memfd size and vCPU count, next to copying 4 GiB once.
# Runs vm_move_perf_test (arguments in bench-args) in the TCG test guest,
# then writes build/bench/results.json, a table and build/bench/move-latency.png.
. "$(dirname "$0")/common.sh"

OUT=$BUILD/bench
rm -rf "$OUT"
mkdir -p "$OUT"
T0=$(now)
prepare_test_kernel
# The 4 GiB copy needs 8 GiB in the guest, the fully populated point 4 GiB.
stage "benchmark in the TCG guest: $(grep -v '^#' "$TOP/bench-args")"
python3 "$TOP/scripts/vm.py" --mode bench --mem "${BENCH_MEM:-12G}" \
	--stall 1200 --limit 5400 --out "$OUT/vm" --parts "$OUT/parts.jsonl"
parts_ok "$OUT/parts.jsonl" || die "the benchmark did not complete; see ${OUT#"$TOP"/}/vm/"
python3 "$TOP/scripts/bench.py" "$OUT/vm/tests/bench.log" "$OUT/results.json"
python3 "$TOP/scripts/bench_plot.py" "$OUT/results.json" "$OUT/move-latency.png"
say "    plot: ${OUT#"$TOP"/}/move-latency.png"
say "==> done in $(elapsed "$T0") s"

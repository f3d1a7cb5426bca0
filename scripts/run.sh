#!/bin/bash
# make run: from a fresh machine to a booted, patched kernel showing what
# it offers for intra-host migration.  Build logs go to build/logs/.
. "$(dirname "$0")/common.sh"

OUT=$BUILD/run
export PARTS=$OUT/parts.jsonl
rm -rf "$OUT"
mkdir -p "$OUT"
T0=$(now)
prepare_test_kernel
stage "boot under qemu-system-x86_64 -accel tcg -cpu EPYC"
python3 "$TOP/scripts/vm.py" --mode run --out "$OUT/vm" --parts "$PARTS"
parts_ok "$PARTS"
say "==> done in $(elapsed "$T0") s"

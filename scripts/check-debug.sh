#!/bin/bash
# make check-debug: only the debug stage of make check (scripts/debug.sh):
# the series' own tests on the test kernel built with KASAN, kmemleak,
# lockdep and DEBUG_LIST.  Writes build/check-debug/results.json; the last
# line is as for make check.
. "$(dirname "$0")/common.sh"

OUT=$BUILD/check-debug
export PARTS=$OUT/parts.jsonl
rm -rf "$OUT"
mkdir -p "$OUT"
T0=$(now)

prepare_test_kernel
"$TOP/scripts/debug.sh"
say "    total time $(elapsed "$T0") s"
exec python3 "$TOP/scripts/results.py" "$PARTS" "$OUT/results.json"

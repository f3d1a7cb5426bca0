#!/bin/bash
# make vmtest TESTS="a b": rebuild incrementally from build/linux as it is
# (uncommitted edits included) and run only the named selftests / KUnit
# suites (all of them if TESTS is empty).
. "$(dirname "$0")/common.sh"

OUT=$BUILD/vmtest
export PARTS=$OUT/parts.jsonl
rm -rf "$OUT"
mkdir -p "$OUT"
if [ ! -d "$TREE/.git" ]; then
	"$TOP/scripts/tree.sh"
fi
"$TOP/scripts/build-test.sh"
stage "boot the test kernel: ${TESTS:-all tests}"
only=()
for t in ${TESTS:-}; do only+=("${t##*/}"); done
python3 "$TOP/scripts/vm.py" --mode check --out "$OUT/vm" --parts "$PARTS" \
	${only[@]:+--only "${only[@]}"}
exec python3 "$TOP/scripts/results.py" "$PARTS" "$OUT/results.json"

#!/bin/bash
# The series' KUnit suites under the kernel's own runner, as a kernel CI
# runs them: "tools/testing/kunit/kunit.py run --arch=x86_64
# --kunitconfig=arch/x86/kvm" on the series alone (no test patches), in
# QEMU with its default CPU (no SVM, no PSP).  Records one result.
. "$(dirname "$0")/../common.sh"

LOG=$LOGS/kunit-tool.log
name="kunit.py: --arch=x86_64 --kunitconfig=arch/x86/kvm (series only)"

stage "$name"
t0=$(now)
last=$(python3 "$SCRIPTS/queue.py" commits | tail -n1 | cut -d' ' -f1)
rm -rf "$KUNIT_SRC"
mkdir -p "$KUNIT_SRC"
git -C "$TREE" archive "$last" | tar -x -C "$KUNIT_SRC"
JSON=$BUILD/kunit-tool.json
rm -f "$JSON"
rc=0
(cd "$KUNIT_SRC" && python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig=arch/x86/kvm --build_dir="$KUNIT_OBJ" --jobs="$JOBS" \
	--make_options "CC=$KCC" --make_options HOSTCC=gcc --timeout=600 \
	--json="$JSON") >"$LOG" 2>&1 || rc=$?
# kunit.py's JSON (KernelCI's format): its test cases, with parameterized
# tests as groups of their parameters, as kunit.py counts them.
pass=0 fail=0 skip=0
if [ -s "$JSON" ]; then
	read -r pass fail skip < <(python3 -c '
import json, sys
def cases(g):
    yield from g["test_cases"]
    for s in g["sub_groups"]:
        yield from cases(s)
st = [c["status"] for c in cases(json.load(open(sys.argv[1])))]
print(st.count("PASS"), len(st) - st.count("PASS") - st.count("SKIP"),
      st.count("SKIP"))' "$JSON")
fi
summary="$pass passed, $fail failed, $skip skipped (kunit.py --json)"
if [ $rc -eq 0 ] && [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]; then
	res=pass
else
	res=fail
	summary="$summary; kunit.py exit status $rc"
	tail -n 30 "$LOG" | sed 's/^/    /'
fi
say "    $summary ($(elapsed "$t0") s, log: ${LOG#"$TOP"/})"
[ -n "${PARTS:-}" ] || exit $([ $res = pass ] && echo 0 || echo 1)
result "$name" kunit "$res" "$(elapsed "$t0")" "$summary" "$pass" "$fail" "$skip"

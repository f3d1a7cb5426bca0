#!/bin/bash
# The series' KUnit suites under the kernel's own runner, as a kernel CI
# runs them: "tools/testing/kunit/kunit.py run --arch=x86_64
# --kunitconfig=arch/x86/kvm" on the series alone (no test patches), in
# QEMU with its default CPU (no SVM, no PSP).  Records one result.
. "$(dirname "$0")/common.sh"

SRC_K=$BUILD/kunit-src
OBJ_K=$BUILD/kunit-build
LOG=$LOGS/kunit-tool.log
name="kunit.py: --arch=x86_64 --kunitconfig=arch/x86/kvm (series only)"

stage "$name"
t0=$(now)
last=$(python3 "$TOP/scripts/queue.py" commits | tail -n1 | cut -d' ' -f1)
rm -rf "$SRC_K"
mkdir -p "$SRC_K"
git -C "$TREE" archive "$last" | tar -x -C "$SRC_K"
rc=0
(cd "$SRC_K" && python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig=arch/x86/kvm --build_dir="$OBJ_K" --jobs="$JOBS" \
	--make_options "CC=$KCC" --make_options HOSTCC=gcc --timeout=600) \
	>"$LOG" 2>&1 || rc=$?
# "Testing complete. Ran 33 tests: passed: 30, skipped: 3"
line=$(grep -a "Testing complete" "$LOG" | tail -n1 || true)
read -r pass fail skip < <(python3 - "$line" <<'PY'
import re, sys
c = dict((k, int(v)) for k, v in re.findall(r"(\w+): (\d+)", sys.argv[1]))
print(c.get("passed", 0), c.get("failed", 0) + c.get("crashed", 0) +
      c.get("errors", 0), c.get("skipped", 0))
PY
)
if [ $rc -eq 0 ] && [ -n "$line" ] && [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]; then
	res=pass
else
	res=fail
	tail -n 30 "$LOG" | sed 's/^/    /'
fi
say "    ${line:-no test summary} ($(elapsed "$t0") s, log: ${LOG#"$TOP"/})"
[ -n "${PARTS:-}" ] || exit $([ $res = pass ] && echo 0 || echo 1)
python3 - "$PARTS" "$name" "$res" "$(elapsed "$t0")" "$pass" "$fail" "$skip" "$line" <<'PY'
import json, sys
parts, name, res, secs, p, f, s, line = sys.argv[1:]
e = {"name": name, "kind": "kunit", "result": res, "seconds": float(secs),
     "subtests": {"pass": int(p), "fail": int(f), "skip": int(s)},
     "detail": line or "no test summary"}
with open(parts, "a") as fh:
    fh.write(json.dumps(e) + "\n")
PY

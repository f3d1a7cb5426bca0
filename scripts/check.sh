#!/bin/bash
# make check: everything CI runs.  See README.md.
. "$(dirname "$0")/common.sh"

OUT=$BUILD/check
export PARTS=$OUT/parts.jsonl
rm -rf "$OUT"
mkdir -p "$OUT"
T0=$(now)
finish() {
	say "    total time $(elapsed "$T0") s"
	exec python3 "$TOP/scripts/results.py" "$PARTS" "$OUT/results.json"
}

"$TOP/scripts/deps.sh"

stage "pipeline self-tests (scripts/tests)"
t0=$(now)
if python3 -m unittest discover -s "$TOP/scripts/tests" >"$LOGS/pipeline-tests.log" 2>&1; then
	say "    $(grep -E '^Ran ' "$LOGS/pipeline-tests.log")"
	result "pipeline: scripts/tests unit tests" static pass "$(elapsed "$t0")"
else
	tail -30 "$LOGS/pipeline-tests.log" | sed 's/^/    /'
	result "pipeline: scripts/tests unit tests" static fail "$(elapsed "$t0")"
fi

"$TOP/scripts/base.sh"

stage "apply the queue"
t0=$(now)
if python3 "$TOP/scripts/queue.py" sync ${FORCE:+--force}; then
	result "queue: patches and test-patches apply" build pass "$(elapsed "$t0")"
else
	result "queue: patches and test-patches apply" build fail "$(elapsed "$t0")" \
		"a patch does not apply, or build/linux holds unexported work"
	finish
fi
t0=$(now)
if python3 "$TOP/scripts/queue.py" check-export; then
	result "queue: make export reproduces patches/ byte for byte" static pass "$(elapsed "$t0")"
else
	result "queue: make export reproduces patches/ byte for byte" static fail "$(elapsed "$t0")"
fi

"$TOP/scripts/series-check.sh" || true

t0=$(now)
if "$TOP/scripts/build-test.sh"; then
	result "build: test kernel, selftests, initramfs" build pass "$(elapsed "$t0")"
else
	result "build: test kernel, selftests, initramfs" build fail "$(elapsed "$t0")"
	finish
fi

stage "boot the test kernel, run KUnit and the kvm selftests"
python3 "$TOP/scripts/vm.py" --mode check --out "$OUT/vm" --parts "$PARTS" || true

"$TOP/scripts/kunit-tool.sh" || true
"$TOP/scripts/debug.sh" || true
finish

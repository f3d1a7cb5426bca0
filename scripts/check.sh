#!/bin/bash
# make check: everything CI runs.  See README.md.
. "$(dirname "$0")/common.sh"

begin check
"$STAGES/deps.sh"
"$STAGES/base.sh"

# After the base: run_guest.py parses KTAP with the tree's kunit_parser.py.
stage "pipeline self-tests (scripts/tests)"
t0=$(now)
if python3 -m unittest discover -s "$SCRIPTS/tests" >"$LOGS/pipeline-tests.log" 2>&1; then
	say "    $(grep -E '^Ran ' "$LOGS/pipeline-tests.log")"
	result "pipeline: scripts/tests unit tests" static pass "$(elapsed "$t0")"
else
	tail -30 "$LOGS/pipeline-tests.log" | sed 's/^/    /'
	result "pipeline: scripts/tests unit tests" static fail "$(elapsed "$t0")"
fi

t0=$(now)
if sync_tree linux; then
	result "queue: patches and test-patches apply" build pass "$(elapsed "$t0")"
else
	result "queue: patches and test-patches apply" build fail "$(elapsed "$t0")" \
		"a patch does not apply, or build/linux holds unexported work"
	finish
fi
t0=$(now)
if python3 "$SCRIPTS/queue.py" check-export; then
	result "queue: make export reproduces patches/ byte for byte" static pass "$(elapsed "$t0")"
else
	result "queue: make export reproduces patches/ byte for byte" static fail "$(elapsed "$t0")"
fi

"$STAGES/series-check.sh" || true

# The QEMU queue: applies, round-trips, and passes QEMU's checkpatch.pl
# (errors fail; its warnings are listed in the result's detail).
"$STAGES/qemu-base.sh"
t0=$(now)
if sync_tree qemu; then
	result "queue: qemu/patches apply" build pass "$(elapsed "$t0")"
else
	result "queue: qemu/patches apply" build fail "$(elapsed "$t0")" \
		"a patch does not apply, or build/qemu holds unexported work"
	finish
fi
t0=$(now)
if QUEUE=qemu python3 "$SCRIPTS/queue.py" check-export; then
	result "queue: make export reproduces qemu/patches byte for byte" static pass "$(elapsed "$t0")"
else
	result "queue: make export reproduces qemu/patches byte for byte" static fail "$(elapsed "$t0")"
fi
while read -r p; do
	[ -n "$p" ] && [ "${p:0:1}" != "#" ] || continue
	t0=$(now)
	log=$LOGS/qemu-checkpatch-$p.log
	if (cd "$QTREE" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl -q \
		"$TOP/qemu/patches/$p") >"$log" 2>&1; then
		result "qemu checkpatch: $p" static pass "$(elapsed "$t0")" \
			"$(grep -E '^WARNING' "$log" | head -3)"
	else
		sed 's/^/    /' "$log" | head -20
		result "qemu checkpatch: $p" static fail "$(elapsed "$t0")" \
			"$(grep -E '^(ERROR|WARNING)' "$log" | head -5)"
	fi
done <"$TOP/qemu/patches/series"
say "    $(grep -vc '^#' "$TOP/qemu/patches/series") QEMU patches checked"

t0=$(now)
if "$STAGES/build-test.sh"; then
	result "build: test kernel, selftests, initramfs" build pass "$(elapsed "$t0")"
else
	result "build: test kernel, selftests, initramfs" build fail "$(elapsed "$t0")"
	finish
fi

stage "boot the test kernel, run KUnit and the kvm selftests"
guest check || true

"$STAGES/kunit-tool.sh" || true
"$STAGES/debug-kernel.sh" || true
finish

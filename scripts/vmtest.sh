#!/bin/bash
# make vmtest TESTS="a b": rebuild incrementally from build/linux as it is
# (uncommitted edits included) and run only the named selftests / KUnit
# suites (all of them if TESTS is empty).
. "$(dirname "$0")/common.sh"

begin vmtest
if [ ! -d "$TREE/.git" ]; then
	prepare_trees
fi
"$STAGES/build-test.sh"
stage "boot the test kernel: ${TESTS:-all tests}"
only=()
for t in ${TESTS:-}; do only+=("${t##*/}"); done
guest check ${only[@]:+--only "${only[@]}"}
finish

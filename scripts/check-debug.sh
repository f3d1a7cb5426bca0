#!/bin/bash
# make check-debug: only the debug stage of make check
# (stages/debug-kernel.sh): the series' own tests on the test kernel built
# with KASAN, kmemleak, lockdep and DEBUG_LIST.  Writes
# build/check-debug/results.json; the last line is as for make check.
. "$(dirname "$0")/common.sh"

begin check-debug
prepare_test_kernel
"$STAGES/debug-kernel.sh"
finish

#!/bin/bash
# make run: from a fresh machine to a booted, patched kernel showing what
# it offers for intra-host migration.  Build logs go to build/logs/.
. "$(dirname "$0")/common.sh"

begin run
prepare_test_kernel
stage "boot under qemu-system-x86_64 -accel tcg -cpu EPYC"
guest run
finish

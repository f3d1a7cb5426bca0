#!/bin/bash
# make tree: build/linux = base + one commit per patch (+ cover + test
# patches), and build/qemu = QEMU base + qemu/patches, ready for ordinary
# git work.  FORCE=1 discards unexported work
# (kept under refs/kvm-mig/backup/).
. "$(dirname "$0")/common.sh"
prepare_trees

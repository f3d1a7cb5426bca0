#!/bin/bash
# make tree: build/linux = base + one commit per patch (+ cover + test
# patches), and build/qemu = QEMU base + qemu/patches, ready for ordinary
# git work.  FORCE=1 discards unexported work
# (kept under refs/kvm-mig/backup/).
. "$(dirname "$0")/common.sh"
"$TOP/scripts/deps.sh"
"$TOP/scripts/base.sh"
stage "patch queue -> ${TREE#"$TOP"/}"
python3 "$TOP/scripts/queue.py" sync ${FORCE:+--force}
"$TOP/scripts/qemu-base.sh"
stage "QEMU patch queue -> ${QTREE#"$TOP"/}"
QUEUE=qemu python3 "$TOP/scripts/queue.py" sync ${FORCE:+--force}

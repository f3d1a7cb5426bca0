#!/bin/bash
# make run: from a fresh machine to a booted, patched kernel showing what
# it offers for intra-host migration.  Build logs go to build/logs/.
. "$(dirname "$0")/common.sh"

OUT=$BUILD/run
export PARTS=$OUT/parts.jsonl
rm -rf "$OUT"
mkdir -p "$OUT"
T0=$(now)
"$TOP/scripts/deps.sh"
"$TOP/scripts/base.sh"
stage "patch queue -> ${TREE#"$TOP"/}"
python3 "$TOP/scripts/queue.py" sync ${FORCE:+--force}
say "    base: $(cut -d' ' -f1,2 "$BUILD/base.id"); series: $(grep -vc '^#' "$TOP/patches/series" || true) patches; test patches: $(grep -vc '^#' "$TOP/test-patches/series" || true)"
"$TOP/scripts/build-test.sh"
stage "boot under qemu-system-x86_64 -accel tcg -cpu EPYC"
python3 "$TOP/scripts/vm.py" --mode run --out "$OUT/vm" --parts "$PARTS"
python3 - "$PARTS" <<'PY'
import json, sys
ok = all(json.loads(l)["result"] == "pass" for l in open(sys.argv[1]) if l.strip())
sys.exit(0 if ok else 1)
PY
say "==> done in $(elapsed "$T0") s"

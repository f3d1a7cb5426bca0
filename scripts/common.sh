# Shared settings for the pipeline scripts; sourced, never run.
# shellcheck shell=bash

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../base.conf
. "$TOP/base.conf"

BUILD=${BUILD:-$TOP/build}
TREE=$BUILD/linux               # git tree: base, series, marker, test patches
QTREE=$BUILD/qemu                # git tree: QEMU base + qemu/patches
QOBJ=$BUILD/qemu-obj             # QEMU build directory
BISECT=$BUILD/bisect            # detached worktree for per-patch builds
OBJ_TEST=$BUILD/obj-test        # O= for the QEMU test kernel
OBJ_MOD=$BUILD/obj-modular      # O= for the modular (upstream rule) build
LOGS=$BUILD/logs
JOBS=${JOBS:-$(nproc)}

# Compiler cache outside the checkout, so fresh clones (CI) reuse it.
export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/kvm-mig/ccache}
export CCACHE_BASEDIR=$TOP
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-time_macros}
KCC="ccache gcc"

# Git must not pick up the user's configuration: it changes commit ids
# and format-patch output.
export GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-kvm-mig}
export GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-kvm-mig@localhost}
export GIT_COMMITTER_NAME=kvm-mig
export GIT_COMMITTER_EMAIL=kvm-mig@localhost

mkdir -p "$BUILD" "$LOGS"

say()  { printf '%s\n' "$*"; }
stage() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# run LOG CMD...: run CMD with its output in LOG; on failure show the tail.
run() {
	local log=$1; shift
	if ! "$@" >"$log" 2>&1; then
		printf 'ERROR: %s failed; last lines of %s:\n' "$*" "$log" >&2
		tail -n 40 "$log" | sed 's/^/    /' >&2
		return 1
	fi
}

# From whatever the machine has to a built test kernel and selftests:
# packages, the base, build/linux synced with the queue, the build.
prepare_test_kernel() {
	"$TOP/scripts/deps.sh"
	"$TOP/scripts/base.sh"
	stage "patch queue -> ${TREE#"$TOP"/}"
	python3 "$TOP/scripts/queue.py" sync ${FORCE:+--force}
	say "    base: $(cut -d' ' -f1,2 "$BUILD/base.id"); series: $(grep -vc '^#' "$TOP/patches/series" || true) patches; test patches: $(grep -vc '^#' "$TOP/test-patches/series" || true)"
	"$TOP/scripts/qemu-base.sh"
	stage "QEMU patch queue -> ${QTREE#"$TOP"/}"
	QUEUE=qemu python3 "$TOP/scripts/queue.py" sync ${FORCE:+--force}
	say "    qemu base: $(cut -d' ' -f1,2 "$BUILD/qemu-base.id"); qemu patches: $(grep -vc '^#' "$TOP/qemu/patches/series" || true)"
	"$TOP/scripts/build-test.sh"
}

# parts_ok PARTS: every result vm.py recorded in PARTS is a pass.
parts_ok() {
	python3 - "$1" <<'PY'
import json, sys
ok = all(json.loads(l)["result"] == "pass" for l in open(sys.argv[1]) if l.strip())
sys.exit(0 if ok else 1)
PY
}

# Seconds since the epoch, with fractions, for stage timings.
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

# kmake OBJ ARGS...: kbuild in $TREE (or $SRC if set) with ccache.
kmake() {
	local obj=$1; shift
	make -C "${SRC:-$TREE}" O="$obj" CC="$KCC" HOSTCC=gcc -j"$JOBS" "$@"
}

# Append one test result to $PARTS (JSON lines, merged by results.py).
# result NAME KIND RESULT SECONDS [DETAIL [PASS FAIL SKIP]]
result() {
	[ -n "${PARTS:-}" ] || return 0
	python3 - "$PARTS" "$@" <<'PY'
import json, sys
parts, name, kind, res, secs = sys.argv[1:6]
entry = {"name": name, "kind": kind, "result": res, "seconds": float(secs),
         "subtests": {"pass": 0, "fail": 0, "skip": 0}}
if len(sys.argv) > 6 and sys.argv[6]:
    entry["detail"] = sys.argv[6]
if len(sys.argv) > 9:
    entry["subtests"] = dict(zip(("pass", "fail", "skip"),
                                 map(int, sys.argv[7:10])))
with open(parts, "a") as f:
    f.write(json.dumps(entry) + "\n")
PY
}

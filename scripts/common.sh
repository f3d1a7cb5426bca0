# Shared settings for the pipeline scripts; sourced, never run.
# shellcheck shell=bash
# shellcheck disable=SC2034  # the paths are for the scripts that source this

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../base.conf
. "$TOP/base.conf"

SCRIPTS=$TOP/scripts            # entry points, results.py, queue.py
STAGES=$SCRIPTS/stages          # the stages the entry points run

# The directories and files under build/ that the scripts share.
BUILD=${BUILD:-$TOP/build}
TREE=$BUILD/linux               # git tree: base, series, marker, test patches
QTREE=$BUILD/qemu                # git tree: QEMU base + qemu/patches
QOBJ=$BUILD/qemu-obj             # QEMU build directory
BISECT=$BUILD/bisect            # detached worktree for per-patch builds
OBJ_TEST=$BUILD/obj-test        # O= for the QEMU test kernel
OBJ_MOD=$BUILD/obj-modular      # O= for the modular (upstream rule) build
OBJ_DEBUG=$BUILD/obj-debug      # O= for the debug stage's kernel (KASAN, ...)
OBJ_COV=$BUILD/obj-cov          # O= for make coverage's gcov kernel
OBJ_BENCH=$BUILD/obj-bench      # O= for make bench's kernel (no lockdep)
KUNIT_SRC=$BUILD/kunit-src      # the series alone, for kunit.py
KUNIT_OBJ=$BUILD/kunit-build    # kunit.py's build directory
SELFTESTS=$BUILD/selftests      # the kvm selftests, built static
INITRD=$BUILD/initramfs.cpio    # what the guest boots: busybox, tests, QEMU
TESTS_LIST=$BUILD/tests.list    # the selftests in the initramfs, in order
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

# begin NAME: start a run of the entry point NAME: its output directory
# $OUT=build/NAME, emptied, with the results in $PARTS; the clock starts.
begin() {
	OUT=$BUILD/$1
	export PARTS=$OUT/parts.jsonl
	rm -rf "$OUT"
	mkdir -p "$OUT"
	T0=$(now)
}

# summary: $OUT/results.json from $PARTS, and the summary, whose last line
# is "N passed, N failed, N skipped"; non-zero if anything failed.
summary() {
	python3 "$SCRIPTS/results.py" summary "$PARTS" "$OUT/results.json"
}

# finish: end the run begun by begin: its total time and summary; the
# exit status is the summary's.
finish() {
	local rc=0
	say "    total time $(elapsed "$T0") s"
	summary || rc=$?
	exit $rc
}

# Append one test result to $PARTS (through results.py, which writes every
# result line).
# result NAME KIND RESULT SECONDS [DETAIL [PASS FAIL SKIP]]
result() {
	[ -n "${PARTS:-}" ] || return 0
	python3 "$SCRIPTS/results.py" add "$PARTS" "$@"
}

# guest MODE [run_guest.py options]: boot the test kernel in QEMU with
# the initramfs; files in $OUT/vm, results to $PARTS.
guest() {
	python3 "$STAGES/run_guest.py" --mode "$1" --out "$OUT/vm" --parts "$PARTS" \
		--kernel "$OBJ_TEST/arch/x86/boot/bzImage" --initrd "$INITRD" \
		--tests "$TESTS_LIST" "${@:2}"
}

# sync_tree linux|qemu: build/linux (or build/qemu) = its base + its queue.
sync_tree() {
	if [ "$1" = qemu ]; then
		stage "QEMU patch queue -> ${QTREE#"$TOP"/}"
		QUEUE=qemu python3 "$SCRIPTS/queue.py" sync ${FORCE:+--force} || return
		say "    qemu base: $(cut -d' ' -f1,2 "$BUILD/qemu-base.id"); qemu patches: $(grep -vc '^#' "$TOP/qemu/patches/series" || true)"
	else
		stage "patch queue -> ${TREE#"$TOP"/}"
		python3 "$SCRIPTS/queue.py" sync ${FORCE:+--force} || return
		say "    base: $(cut -d' ' -f1,2 "$BUILD/base.id"); series: $(grep -vc '^#' "$TOP/patches/series" || true) patches; test patches: $(grep -vc '^#' "$TOP/test-patches/series" || true)"
	fi
}

# From whatever the machine has to build/linux and build/qemu synced with
# the queues: packages, the bases, the queues applied.
prepare_trees() {
	"$STAGES/deps.sh"
	"$STAGES/base.sh"
	sync_tree linux
	"$STAGES/qemu-base.sh"
	sync_tree qemu
}

# ... and on to a built test kernel, selftests, QEMU and initramfs.
prepare_test_kernel() {
	prepare_trees
	"$STAGES/build-test.sh"
}

# Microseconds since the epoch, for stage timings (bash's clock: no
# process started).
now() { printf '%s\n' "${EPOCHREALTIME//[!0-9]/}"; }
# elapsed T0: seconds since T0 (from now), to a tenth.
elapsed() {
	local ds=$(( (${EPOCHREALTIME//[!0-9]/} - $1 + 50000) / 100000 ))
	printf '%d.%d\n' $((ds / 10)) $((ds % 10))
}

# kmake OBJ ARGS...: kbuild in $TREE (or $SRC if set) with ccache.
kmake() {
	local obj=$1; shift
	make -C "${SRC:-$TREE}" O="$obj" CC="$KCC" HOSTCC=gcc -j"$JOBS" "$@"
}

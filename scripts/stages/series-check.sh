#!/bin/bash
# Series checks on build/linux (which must match the queue):
#   - checkpatch.pl --strict on every patch (series and test patches),
#     and every file a patch adds has a maintainer or list in MAINTAINERS
#     (get_maintainer.pl; checkpatch only asks whether MAINTAINERS changed);
#   - the kernel builds with configs/modular.config at the base and after
#     each series patch (bisectability), in a separate worktree so the
#     test kernel's incremental build is not disturbed;
#   - W=1 C=2 (gcc extra warnings + sparse) adds no new warnings in the
#     directories the series touches.
# Results are appended to $PARTS.
. "$(dirname "$0")/../common.sh"
: "${PARTS:?}"

status=0

# Files added by patch $1 that MAINTAINERS assigns to nobody.
new_files_maintained() {
	local f bad=0
	while read -r f; do
		if ! ./scripts/get_maintainer.pl --nogit --nogit-fallback \
			--norolestats -f "$f" 2>/dev/null | grep -q '@'; then
			echo "ERROR: $f: no maintainer or list in MAINTAINERS"
			bad=1
		fi
	done < <(awk '/^--- \/dev\/null/ { n = 1; next }
		n && /^\+\+\+ b\// { print substr($2, 3) } { n = 0 }' "$1")
	return $bad
}

stage "checkpatch --strict"
n=0
for d in patches test-patches; do
	while read -r p; do
		[ -n "$p" ] && [ "${p:0:1}" != "#" ] || continue
		n=$((n + 1))
		t0=$(now)
		log=$LOGS/checkpatch-$p.log
		# UNKNOWN_COMMIT_ID is ignored because build/linux is the Debian
		# tarball as one commit, without mainline history: the Fixes:
		# tags of the base fixes name mainline commits that checkpatch
		# cannot look up here (their ids and subjects were checked
		# against mainline by hand).  Every other warning counts.
		# Debian's python3 first: spdxcheck.py needs its python3-ply
		# and python3-git, which another python3 on PATH may lack; a
		# traceback means the SPDX lines were not checked at all.
		if (cd "$TREE" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl \
			--strict --quiet --ignore UNKNOWN_COMMIT_ID "$TOP/$d/$p" &&
			new_files_maintained "$TOP/$d/$p") >"$log" 2>&1 &&
			! grep -q Traceback "$log"; then
			result "checkpatch: $d/$p" static pass "$(elapsed "$t0")"
		else
			sed 's/^/    /' "$log" | head -40
			result "checkpatch: $d/$p" static fail "$(elapsed "$t0")" \
				"$(grep -E '^(ERROR|WARNING|CHECK)' "$log" | head -5)"
			status=1
		fi
	done <"$TOP/$d/series"
done
say "    $n patches checked"

if [ ! -d "$BISECT" ]; then
	git -C "$TREE" worktree prune
	git -C "$TREE" worktree add -q --detach "$BISECT" base
fi
mapfile -t steps < <(echo "$(git -C "$TREE" rev-parse base) base"; python3 "$SCRIPTS/queue.py" commits)

# Sparse and W=1 warnings of the directories the series touches (always
# KVM's), as "file: message" lines without line numbers, sorted.
sparse_dirs() {
	{
		echo arch/x86/kvm
		git -C "$TREE" diff --name-only base "${steps[-1]%% *}" -- '*.c' |
			grep -v '^tools/' | xargs -r -n1 dirname
	} | sort -u | grep -v '^virt/kvm$' || true
}
warnings() {
	local tag=$1 dirs d
	mapfile -t dirs < <(sparse_dirs)
	# Recompile every object there, so gcc's W=1 warnings are printed
	# too (C=2 re-runs sparse on its own; gcc only runs on a rebuild).
	for d in "${dirs[@]}" $([ -d "$OBJ_MOD/virt/kvm" ] && echo virt/kvm); do
		if [ -d "$OBJ_MOD/$d" ]; then
			find "$OBJ_MOD/$d" -name '*.o' -delete
		fi
	done
	SRC=$BISECT kmake "$OBJ_MOD" W=1 C=2 KCFLAGS=-Wno-error \
		"${dirs[@]/%//}" >"$LOGS/sparse-$tag.log" 2>&1 || true
	# "path:line:col: warning: text" -> "path: warning: text", with the
	# path relative to the source tree (it differs between checkouts).
	{ grep -E ': (warning|error):' "$LOGS/sparse-$tag.log" || true; } | python3 -c '
import os, re, sys
src = os.path.realpath(sys.argv[1])
for line in sys.stdin:
    m = re.match(r"([^:]+):\d+(?::\d+)?: (.*)", line.rstrip("\n"))
    if not m:
        continue
    path = os.path.normpath(os.path.join(src, m.group(1)))
    print("%s: %s" % (os.path.relpath(path, src), m.group(2)))
' "$BISECT" | LC_ALL=C sort
}

stage "bisectability: configs/modular.config after each of ${#steps[@]} steps (base + series)"
i=0
for s in "${steps[@]}"; do
	rev=${s%% *} name=${s#* }
	t0=$(now)
	git -C "$BISECT" checkout -q --detach "$rev"
	log=$LOGS/build-modular-$i.log
	if SRC=$BISECT "$STAGES/kconfig.sh" "$OBJ_MOD" "$TOP/configs/modular.config" >"$log" 2>&1 &&
	   SRC=$BISECT kmake "$OBJ_MOD" >>"$log" 2>&1; then
		say "    ok    $name ($(elapsed "$t0") s)"
		result "build: $name (modular.config)" build pass "$(elapsed "$t0")"
	else
		say "    FAIL  $name; last lines of ${log#"$TOP"/}:"
		grep -E 'error|Error|ERROR' "$log" | head -20 | sed 's/^/      /'
		result "build: $name (modular.config)" build fail "$(elapsed "$t0")" \
			"$(grep -m3 -E 'error:|ERROR' "$log")"
		status=1
	fi
	if [ $i -eq 0 ]; then
		stage "W=1 C=2 (sparse) baseline at base"
		t0=$(now)
		key=$(cat "$BUILD/base.id" "$TOP/configs/modular.config" <(sparse_dirs) \
			"$STAGES/series-check.sh" | sha256sum | cut -c1-16)
		cache=$CCACHE_DIR/../sparse-base-$key.txt
		if [ ! -f "$cache" ]; then
			warnings base >"$cache.tmp" && mv "$cache.tmp" "$cache"
		fi
		cp "$cache" "$BUILD/sparse-base.txt"
		say "    $(wc -l <"$BUILD/sparse-base.txt") warnings at base in $(sparse_dirs | tr '\n' ' ')($(elapsed "$t0") s)"
	fi
	i=$((i + 1))
done

stage "W=1 C=2 (sparse) at the end of the series"
t0=$(now)
warnings tip >"$BUILD/sparse-tip.txt"
new=$(LC_ALL=C comm -13 "$BUILD/sparse-base.txt" "$BUILD/sparse-tip.txt")
if [ -z "$new" ]; then
	say "    no new warnings ($(wc -l <"$BUILD/sparse-tip.txt") at the tip, $(wc -l <"$BUILD/sparse-base.txt") at base)"
	result "sparse + W=1: no new warnings" static pass "$(elapsed "$t0")"
else
	say "    NEW warnings:"
	printf '%s\n' "$new" | sed 's/^/      /'
	result "sparse + W=1: no new warnings" static fail "$(elapsed "$t0")" "$new"
	status=1
fi
git -C "$BISECT" checkout -q --detach base
exit $status

#!/bin/bash
# kconfig.sh OBJ FRAGMENT...: configure OBJ as allnoconfig plus the
# fragments, later ones overriding earlier ones, with the kernel's own
# scripts/kconfig/merge_config.sh, and fail if any requested value is not
# in the final .config (merge_config.sh only warns).
. "$(dirname "$0")/../common.sh"
obj=$1; shift
src=${SRC:-$TREE}
name=$(for f in "$@"; do basename "$f" .config; done | paste -sd+)
mkdir -p "$obj"
# Rewrite .config only when a fragment or the tree changed, so that an
# unchanged configuration keeps incremental builds incremental.
stamp=$obj/.kvm-mig-config
want="$(cat "$@" | sha256sum | cut -d' ' -f1) $(git -C "$src" rev-parse HEAD^{tree} 2>/dev/null || true)"
if [ -f "$obj/.config" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	exit 0
fi
log=$LOGS/kconfig-$name.log
run "$log" env -C "$src" \
	./scripts/kconfig/merge_config.sh -n -O "$obj" "$@"
# A symbol requested as "is not set" that is absent from .config is not set.
bad=$(awk '/^Value requested for / { sym = $4 }
	/^Requested value: / { req = substr($0, index($0, ":") + 1); sub(/^ +/, "", req) }
	/^Actual value: / { act = substr($0, index($0, ":") + 1); sub(/^ +/, "", act)
		if (!(act == "" && req ~ /^# CONFIG_.* is not set$/))
			printf "%s: requested \"%s\", got \"%s\"\n", sym, req, act }' "$log")
if [ -n "$bad" ]; then
	printf 'ERROR: %s: %s\n' "$name" "$bad" >&2
	exit 1
fi
echo "$want" >"$stamp"

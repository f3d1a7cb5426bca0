#!/bin/bash
# kconfig.sh OBJ FRAGMENT: configure OBJ as "allnoconfig + FRAGMENT" and
# fail loudly if olddefconfig dropped or changed any requested option.
. "$(dirname "$0")/common.sh"
obj=$1 frag=$2
mkdir -p "$obj"
# Rewrite .config only when the fragment or the tree changed, so that an
# unchanged configuration keeps incremental builds incremental.
stamp=$obj/.kvm-mig-config
want="$(sha256sum "$frag" | cut -d' ' -f1) $(git -C "${SRC:-$TREE}" rev-parse HEAD^{tree} 2>/dev/null || true)"
if [ -f "$obj/.config" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	exit 0
fi
run "$LOGS/kconfig-$(basename "$frag" .config).log" \
	kmake "$obj" allnoconfig KCONFIG_ALLCONFIG="$frag"
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		sym=${line%%=*}
		grep -qxF "$line" "$obj/.config" && continue
		got=$(grep -E "^($sym=|# $sym is not set)" "$obj/.config" || echo "absent")
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		grep -qE "^$sym=" "$obj/.config" || continue
		got=$(grep -E "^$sym=" "$obj/.config")
		;;
	*) continue ;;
	esac
	printf 'ERROR: %s: "%s" did not survive olddefconfig (got: %s)\n' \
		"$(basename "$frag")" "$line" "$got" >&2
	bad=1
done <"$frag"
[ $bad -eq 0 ] || exit 1
echo "$want" >"$stamp"

#!/bin/bash
# Fetch the QEMU base (qemu/base.conf) with apt-get source and import it,
# Debian's patches applied, into $QTREE as one commit tagged "base".
# Installs what building QEMU needs: meson >= 1.5 comes from
# bookworm-backports, the source from trixie (a deb-src entry this script
# adds).  Like base.sh, the import happens in a temporary directory.
. "$(dirname "$0")/../common.sh"
. "$TOP/qemu/base.conf"

SOURCES=/etc/apt/sources.list.d/kvm-mig-qemu.sources
DL=$BUILD/qemu-dl

need_root() { [ "$(id -u)" -eq 0 ] || die "$1 (run as root)"; }

if [ ! -f "$SOURCES" ]; then
	need_root "QEMU's source and meson need $SOURCES"
	cat >"$SOURCES" <<'SRC'
# Added by kvm-mig scripts/stages/qemu-base.sh: QEMU 10.0 source (trixie) and
# meson >= 1.5 (bookworm-backports) for building our QEMU queue.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	rm -f "$BUILD/.apt-updated"
fi

apt_update() {
	[ -f "$BUILD/.apt-updated" ] && return 0
	run "$LOGS/apt-qemu.log" apt-get update
	touch "$BUILD/.apt-updated"
}

meson_ok() {
	command -v meson >/dev/null && dpkg --compare-versions "$(meson --version)" ge 1.5
}
missing=()
meson_ok || missing+=(meson)
for p in libglib2.0-dev zlib1g-dev ninja-build pkg-config dpkg-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	need_root "missing packages: ${missing[*]}"
	stage "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt_update
	for p in "${missing[@]}"; do
		if [ "$p" = meson ]; then
			run "$LOGS/apt-qemu.log.meson" apt-get install -y --no-install-recommends -t bookworm-backports meson
		else
			run "$LOGS/apt-qemu.log.$p" apt-get install -y --no-install-recommends "$p"
		fi
	done
	meson_ok || die "meson $(meson --version) is older than 1.5"
fi

# The source package, checked against the pins.
upstream=${QEMU_VERSION#*:}; upstream=${upstream%-*}
orig=$DL/${QEMU_PACKAGE}_${upstream}.orig.tar.xz
deb=$DL/${QEMU_PACKAGE}_${QEMU_VERSION#*:}.debian.tar.xz
version=$QEMU_VERSION
if [ ! -f "$orig" ] || [ ! -f "$deb" ]; then
	stage "fetching $QEMU_PACKAGE $QEMU_VERSION source"
	rm -rf "$DL"; mkdir -p "$DL"
	apt_update
	if ! (cd "$DL" && apt-get source --download-only "$QEMU_PACKAGE=$QEMU_VERSION") >"$LOGS/apt-qemu-src.log" 2>&1; then
		run "$LOGS/apt-qemu-src.log" apt-get update
		if ! (cd "$DL" && apt-get source --download-only "$QEMU_PACKAGE=$QEMU_VERSION") >>"$LOGS/apt-qemu-src.log" 2>&1; then
			(cd "$DL" && apt-get source --download-only "$QEMU_PACKAGE") >>"$LOGS/apt-qemu-src.log" 2>&1 ||
				die "no $QEMU_PACKAGE source package (see $LOGS/apt-qemu-src.log)"
			version=$(sed -n 's/^Version: //p' "$DL"/*.dsc)
			case ${version#*:} in
			10.0.*) warn "qemu base drift: the queue was verified against $QEMU_VERSION, Debian now serves $version";;
			*) die "Debian serves $QEMU_PACKAGE $version, not a 10.0; pin a new base in qemu/base.conf";;
			esac
			orig=$(ls "$DL"/*.orig.tar.xz); deb=$(ls "$DL"/*.debian.tar.xz)
		fi
	fi
fi
if [ "$version" = "$QEMU_VERSION" ]; then
	[ "$(sha256sum <"$orig" | cut -d' ' -f1)" = "$QEMU_ORIG_SHA256" ] || die "$orig: sha256 differs from qemu/base.conf"
	[ "$(sha256sum <"$deb" | cut -d' ' -f1)" = "$QEMU_DEBIAN_SHA256" ] || die "$deb: sha256 differs from qemu/base.conf"
fi
id="$QEMU_PACKAGE ${version} $(sha256sum <"$orig" | cut -d' ' -f1)"
echo "$id" >"$BUILD/qemu-base.id"

if [ -d "$QTREE/.git" ] && [ "$(cat "$QTREE/.git/kvm-mig-base" 2>/dev/null)" = "$id" ] &&
   git -C "$QTREE" rev-parse -q --verify refs/tags/base >/dev/null; then
	exit 0
fi
if [ -d "$QTREE" ] && [ -z "${FORCE:-}" ] && [ -f "$QTREE/.git/kvm-mig-stamp" ] &&
   ! QUEUE=qemu python3 "$SCRIPTS/queue.py" is-synced; then
	die "$QTREE holds work not in qemu/patches and must be rebuilt; run 'make export' first or pass FORCE=1"
fi

stage "importing $QEMU_PACKAGE $version into ${QTREE#"$TOP"/}"
t0=$(now)
tmp=$BUILD/qemu.new
rm -rf "$tmp"
# dpkg-source applies debian/patches; the packaging itself is dropped.
run "$LOGS/qemu-import.log" dpkg-source --no-check -x "$DL"/*.dsc "$tmp"
rm -rf "$tmp/debian" "$tmp/.pc"
(
	cd "$tmp"
	git init -q -b base-import
	git config core.abbrev 12
	git add -A -f
	GIT_AUTHOR_NAME="Debian QEMU team" GIT_AUTHOR_EMAIL=pkg-qemu-devel@lists.alioth.debian.org \
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
		git commit -q -m "Debian $QEMU_PACKAGE $version" \
			-m "Imported with dpkg-source -x (debian/patches applied, debian/ dropped)."
	git tag base
	echo "$id" >.git/kvm-mig-base
) >>"$LOGS/qemu-import.log" 2>&1 || { tail -20 "$LOGS/qemu-import.log"; die "QEMU import failed"; }
rm -rf "$QTREE"
mv "$tmp" "$QTREE"
say "    qemu base $(git -C "$QTREE" rev-parse --short=12 base) imported in $(elapsed "$t0") s"

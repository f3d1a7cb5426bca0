#!/bin/bash
# Make sure the base kernel source is installed and imported into $TREE as
# a single commit tagged "base".  The import is built in a temporary
# directory and renamed into place, so an interrupted run never leaves a
# tree that a later run trusts.
. "$(dirname "$0")/../common.sh"

installed() { dpkg-query -W -f='${Version}' "$BASE_PACKAGE" 2>/dev/null || true; }

have=$(installed)
if [ "$have" != "$BASE_VERSION" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		die "$BASE_PACKAGE $BASE_VERSION is not installed; run as root: apt-get install $BASE_PACKAGE=$BASE_VERSION"
	fi
	stage "installing $BASE_PACKAGE $BASE_VERSION"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --allow-downgrades "$BASE_PACKAGE=$BASE_VERSION" >"$LOGS/apt-base.log" 2>&1; then
		run "$LOGS/apt-base.log" apt-get update
		apt-get install -y --allow-downgrades "$BASE_PACKAGE=$BASE_VERSION" >>"$LOGS/apt-base.log" 2>&1 ||
			run "$LOGS/apt-base.log" apt-get install -y "$BASE_PACKAGE"
	fi
	have=$(installed)
fi
[ -n "$have" ] || die "$BASE_PACKAGE could not be installed (see $LOGS/apt-base.log)"
[ -f "$BASE_TARBALL" ] || die "$BASE_TARBALL missing although $BASE_PACKAGE $have is installed"

sum_file=$BUILD/base.sha256
if [ ! -f "$sum_file" ] || [ "$sum_file" -ot "$BASE_TARBALL" ]; then
	sha256sum "$BASE_TARBALL" | cut -d' ' -f1 >"$sum_file"
fi
sum=$(cat "$sum_file")

if [ "$have" != "$BASE_VERSION" ]; then
	warn "base drift: the series was verified against $BASE_PACKAGE $BASE_VERSION," \
	     "but Debian now serves $have (sha256 $sum); building on $have"
elif [ "$sum" != "$BASE_SHA256" ]; then
	die "$BASE_TARBALL of $BASE_PACKAGE $have has sha256 $sum, expected $BASE_SHA256"
fi
echo "$BASE_PACKAGE $have $sum" >"$BUILD/base.id"

# The base commit is the same on every machine: fixed identity and date.
if [ -d "$TREE/.git" ] && [ "$(cat "$TREE/.git/kvm-mig-base" 2>/dev/null)" = "$(cat "$BUILD/base.id")" ] &&
   git -C "$TREE" rev-parse -q --verify refs/tags/base >/dev/null; then
	exit 0
fi

if [ -d "$TREE" ]; then
	# A different (or broken) base: the tree must be rebuilt, but never
	# silently discard work that was not exported.
	if [ -z "${FORCE:-}" ] && [ -f "$TREE/.git/kvm-mig-stamp" ] &&
	   ! python3 "$SCRIPTS/queue.py" is-synced; then
		die "$TREE holds work not in patches/ and must be rebuilt for base $have; run 'make export' first or pass FORCE=1"
	fi
fi

stage "importing $BASE_PACKAGE $have into $TREE"
t0=$(now)
tmp=$BUILD/linux.new
rm -rf "$tmp" "$BISECT"
mkdir -p "$tmp"
tar -xf "$BASE_TARBALL" --strip-components=1 -C "$tmp"
(
	cd "$tmp"
	git init -q -b base-import
	git config core.abbrev 12
	git add -A -f
	GIT_AUTHOR_NAME="Debian kernel team" GIT_AUTHOR_EMAIL=debian-kernel@lists.debian.org \
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
		git commit -q -m "Debian $BASE_PACKAGE $have" -m "Imported from $(basename "$BASE_TARBALL"), sha256 $sum."
	git tag base
	cp "$BUILD/base.id" .git/kvm-mig-base
) >"$LOGS/import.log" 2>&1 || { tail -20 "$LOGS/import.log"; die "import failed"; }
rm -rf "$TREE"
mv "$tmp" "$TREE"
git -C "$TREE" worktree prune
say "    base $(git -C "$TREE" rev-parse --short=12 base) imported in $(elapsed "$t0") s"

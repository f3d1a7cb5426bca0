#!/bin/bash
# Install the Debian packages the pipeline needs, if any is missing.
# As root this runs apt-get; otherwise it prints the apt-get line to run.
. "$(dirname "$0")/../common.sh"

# command -> Debian package that provides it
declare -A need=(
	[gcc]=gcc [make]=make [flex]=flex [bison]=bison [bc]=bc
	[cpio]=cpio [depmod]=kmod [ccache]=ccache [sparse]=sparse
	[perl]=perl [python3]=python3 [git]=git [xz]=xz-utils
	[qemu-system-x86_64]=qemu-system-x86 [rsync]=rsync
	[sha256sum]=coreutils
)
# files -> Debian package
declare -A needf=(
	[/usr/include/libelf.h]=libelf-dev
	[/usr/include/openssl/ssl.h]=libssl-dev
	[/bin/busybox]=busybox-static
	[/usr/lib/x86_64-linux-gnu/libc.a]=libc6-dev
	# checkpatch's SPDX check (scripts/spdxcheck.py), run by Debian's python3
	[/usr/lib/python3/dist-packages/ply]=python3-ply
	[/usr/lib/python3/dist-packages/git]=python3-git
	# the firmware of the SEV-ES and SNP guests of qemu_cpr_sev_test
	[/usr/share/ovmf/OVMF.fd]=ovmf
)

missing=()
for c in "${!need[@]}"; do
	command -v "$c" >/dev/null 2>&1 || missing+=("${need[$c]}")
done
for f in "${!needf[@]}"; do
	[ -e "$f" ] || missing+=("${needf[$f]}")
done
# busybox must be the static build: it runs as the guest's /init
if [ -e /bin/busybox ] && [[ "$(ldd /bin/busybox 2>&1 || true)" != *'not a dynamic'* ]]; then
	missing+=(busybox-static)
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
line="apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	die "missing packages; run as root: apt-get update && $line"
fi
stage "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
run "$LOGS/apt.log" apt-get update
run "$LOGS/apt.log.install" apt-get install -y --no-install-recommends "${missing[@]}"

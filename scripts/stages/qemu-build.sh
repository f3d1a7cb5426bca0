#!/bin/bash
# Build qemu-system-x86_64 from $QTREE (base + qemu/patches) into
# $QOBJ: KVM and TCG, no GUI, no tools, only the devices in
# qemu/devices.mak.  Incremental; ccache through meson.  Never installed:
# the host's qemu-system-x86 package keeps running the test guest.
. "$(dirname "$0")/../common.sh"

t0=$(now)
cp "$TOP/qemu/devices.mak" "$QTREE/configs/devices/x86_64-softmmu/kvmmig.mak"
grep -qx '/configs/devices/x86_64-softmmu/kvmmig.mak' "$QTREE/.git/info/exclude" 2>/dev/null ||
	echo '/configs/devices/x86_64-softmmu/kvmmig.mak' >>"$QTREE/.git/info/exclude"

opts=(--target-list=x86_64-softmmu --enable-kvm --enable-tcg
      --without-default-features --without-default-devices
      --with-devices-x86_64=kvmmig --audio-drv-list=
      --disable-docs --disable-tools --disable-guest-agent --disable-user
      --disable-install-blobs --disable-download --disable-debug-info
      --enable-werror --python=/usr/bin/python3)
# Reconfigure only when the options or the device list change.
want="${opts[*]} $(sha256sum <"$TOP/qemu/devices.mak")"
if [ ! -f "$QOBJ/build.ninja" ] || [ "$(cat "$QOBJ/.kvm-mig-config" 2>/dev/null)" != "$want" ]; then
	stage "configuring QEMU in ${QOBJ#"$TOP"/}"
	rm -rf "$QOBJ"; mkdir -p "$QOBJ"
	(cd "$QOBJ" && run "$LOGS/qemu-configure.log" "$QTREE/configure" "${opts[@]}")
	echo "$want" >"$QOBJ/.kvm-mig-config"
fi
stage "building qemu-system-x86_64"
run "$LOGS/qemu-build.log" ninja -C "$QOBJ" -j"$JOBS" qemu-system-x86_64
say "    qemu-system-x86_64 $(git -C "$QTREE" describe --always --tags) built in $(elapsed "$t0") s"

#!/bin/bash
# Pack busybox, guest/init, the demo and the stripped selftests into an
# uncompressed cpio (the test kernel has no decompressor configured).
. "$(dirname "$0")/common.sh"

ST=$BUILD/selftests
root=$BUILD/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,kvm}
cp /bin/busybox "$root/bin/busybox"
install -m 755 "$TOP/guest/init" "$root/init"
install -m 755 "$TOP/guest/demo.sh" "$root/kvm/demo.sh"
gcc -static -O2 -Wall -Wextra -Werror -isystem "$OBJ_TEST/usr/include" \
	-o "$root/kvm/kvm-mig-probe" "$TOP/guest/kvm-mig-probe.c"
while read -r t; do
	mkdir -p "$root/kvm/$(dirname "$t")"
	strip -o "$root/kvm/$t" "$ST/kvm/$t"
done <"$ST/tests.all"
cp "$ST/tests.all" "$root/kvm/tests.list"
grep -v '^#' "$TOP/test-args" | grep . >"$root/kvm/test-args" || true
grep -v '^#' "$TOP/bench-args" | grep . >"$root/kvm/bench-args" || true
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$BUILD/initramfs.cpio"
say "    initramfs: $(du -m "$BUILD/initramfs.cpio" | cut -f1) MiB, $(wc -l <"$ST/tests.all") selftests"

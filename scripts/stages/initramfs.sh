#!/bin/bash
# Pack busybox, guest/init, the demo, the stripped selftests and, if it
# is built, our QEMU with its tests into an uncompressed cpio (the test
# kernel has no decompressor configured).
. "$(dirname "$0")/../common.sh"

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
	strip -o "$root/kvm/$t" "$SELFTESTS/kvm/$t"
done <"$SELFTESTS/tests.all"
cp "$SELFTESTS/tests.all" "$root/kvm/tests.list"

# Our QEMU (qemu/patches, qemu-build.sh) with its shared libraries,
# the guest it runs and the tests that drive it (guest/qemu_cpr_*).
if [ -x "$QOBJ/qemu-system-x86_64" ]; then
	q=$root/kvm/qemu
	mkdir -p "$q"
	strip -o "$q/qemu-system-x86_64" "$QOBJ/qemu-system-x86_64"
	ldd "$QOBJ/qemu-system-x86_64" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
	while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
	# cpr-guest.bin for the tests, cpr-bench.bin for qemu_cpr_bench
	for g in guest bench; do
		as --32 $([ $g = bench ] && echo --defsym BENCH=1) \
			-o "$BUILD/cpr-$g.o" "$TOP/guest/cpr-guest.S"
		ld -m elf_i386 -Ttext=0xffff0000 -e 0xfffffff0 --oformat binary \
			-o "$q/cpr-$g.bin" "$BUILD/cpr-$g.o"
	done
	for c in qmp-cmd cpr-stamp; do
		gcc -static -O2 -Wall -Wextra -Werror -o "$q/$c" "$TOP/guest/$c.c"
	done
	# SEV-ES and SNP guests need firmware with SEV metadata (package ovmf)
	[ ! -f /usr/share/ovmf/OVMF.fd ] || cp /usr/share/ovmf/OVMF.fd "$q/OVMF.fd"
	install -m 644 "$TOP/guest/qemu-cpr-lib.sh" "$q/qemu-cpr-lib.sh"
	install -m 755 "$TOP/guest/qemu_cpr_bench" "$q/qemu_cpr_bench"
	for t in qemu_cpr_test qemu_cpr_bad_input_test qemu_cpr_sev_test; do
		install -m 755 "$TOP/guest/$t" "$root/kvm/x86_64/$t"
		echo "x86_64/$t" >>"$root/kvm/tests.list"
	done
fi
# What the guest will run, for run_guest.py
cp "$root/kvm/tests.list" "$TESTS_LIST"
grep -v '^#' "$TOP/test-args" | grep . >"$root/kvm/test-args" || true
grep -v '^#' "$TOP/bench-args" | grep . >"$root/kvm/bench-args" || true
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$INITRD"
say "    initramfs: $(du -m "$INITRD" | cut -f1) MiB, $(wc -l <"$TESTS_LIST") tests"

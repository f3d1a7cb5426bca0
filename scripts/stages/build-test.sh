#!/bin/bash
# Build what the guest runs, from the current state of build/linux (the
# series plus test patches, including uncommitted edits): the test kernel,
# the uapi headers, the kvm selftests (static), our QEMU and the
# initramfs.
. "$(dirname "$0")/../common.sh"

t0=$(now)
"$STAGES/kconfig.sh" "$OBJ_TEST" "$TOP/configs/test.config"
stage "test kernel (configs/test.config)"
run "$LOGS/test-kernel.log" kmake "$OBJ_TEST" bzImage
run "$LOGS/test-headers.log" kmake "$OBJ_TEST" headers_install
say "    bzImage built in $(elapsed "$t0") s (log: ${LOGS#"$TOP"/}/test-kernel.log)"

t0=$(now)
stage "kvm selftests (static)"
STSRC=$TREE/tools/testing/selftests/kvm
stmake() {
	make -C "$STSRC" OUTPUT="$SELFTESTS/kvm" \
		KHDR_INCLUDES="-isystem $OBJ_TEST/usr/include" \
		EXTRA_CFLAGS="-static" "$@"
}
run "$LOGS/selftests.log" stmake -j"$JOBS"
# The program list, in the kvm Makefile's order, relative to OUTPUT.
stmake -s --no-print-directory -f Makefile -f /dev/stdin kvm-mig-list \
	>"$SELFTESTS/tests.all" 2>"$LOGS/selftests-list.log" <<'MK'
kvm-mig-list:
	@for t in $(TEST_GEN_PROGS); do echo $${t#$(OUTPUT)/}; done
MK
say "    $(wc -l <"$SELFTESTS/tests.all") selftests built in $(elapsed "$t0") s"

# Our QEMU, from build/qemu as it is, if that tree exists (make tree).
# Without it the initramfs lacks QEMU and its tests: a failed QEMU build
# is a failed result, not a reason to skip the kernel's tests.
if [ -d "$QTREE/.git" ]; then
	t0=$(now)
	if "$STAGES/qemu-build.sh"; then
		result "build: qemu-system-x86_64 (qemu/patches)" build pass "$(elapsed "$t0")"
	else
		rm -f "$QOBJ/qemu-system-x86_64"
		result "build: qemu-system-x86_64 (qemu/patches)" build fail "$(elapsed "$t0")"
	fi
fi

"$STAGES/initramfs.sh"

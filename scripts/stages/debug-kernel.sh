#!/bin/bash
# The debug stage of make check and make check-debug: build the test kernel
# again with configs/debug.config on top of configs/test.config (KASAN,
# kmemleak, lockdep, DEBUG_LIST, debug objects, fault injection), boot it,
# run the series' own KUnit suites and selftests, then scan for leaks.  A
# KASAN, list or lockdep report fails the test during which it happened;
# an unreferenced object after the last test is a failure of its own.
# Results go to $PARTS, named "debug: ..."; the selftests, their headers
# and the initramfs must be built already (build-test.sh).
. "$(dirname "$0")/../common.sh"

OUT=$BUILD/debug
mkdir -p "$OUT"

# The KUnit suites and selftests that the series adds, and the base
# selftests that cover the code it changes (SEV, guest_memfd).
TESTS="kvm_vm_move_lock kvm_sev_move kvm_sev_lockout
	vm_move_test vm_move_hostile_test vm_move_fault_test vm_move_race_test
	vm_move_random_test vmm_upgrade_test sev_move_test sev_snp_move_test
	sev_asid_test sev_migrate_tests sev_init2_tests sev_emul_fw_test
	sev_emul_snp_test guest_memfd_test private_mem_conversions_test
	qemu_cpr_test qemu_cpr_bad_input_test qemu_cpr_sev_test"

stage "debug kernel (configs/test.config + configs/debug.config)"
t0=$(now)
# debug.config overrides test.config (KASAN rules out KVM_WERROR).
if "$STAGES/kconfig.sh" "$OBJ_DEBUG" "$TOP/configs/test.config" \
	"$TOP/configs/debug.config" &&
	run "$LOGS/debug-kernel.log" kmake "$OBJ_DEBUG" bzImage; then
	say "    bzImage built in $(elapsed "$t0") s (log: ${LOGS#"$TOP"/}/debug-kernel.log)"
	result "debug: kernel with KASAN, kmemleak, lockdep" build pass "$(elapsed "$t0")"
else
	result "debug: kernel with KASAN, kmemleak, lockdep" build fail "$(elapsed "$t0")"
	exit 0
fi

stage "boot the debug kernel, run the series' tests, scan for leaks"
# shellcheck disable=SC2086
guest debug --prefix "debug: " --kernel "$OBJ_DEBUG/arch/x86/boot/bzImage" \
	--test-timeout 900 --limit 5400 --only $TESTS || true

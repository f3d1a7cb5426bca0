#!/bin/bash
# make coverage: line coverage of the lines that the series adds or changes
# in arch/x86/kvm and virt/kvm, from a gcov build of the test kernel that
# runs the KUnit suites and every kvm selftest, as make check does.
# Writes build/coverage/summary.json and build/coverage/report.txt.
. "$(dirname "$0")/common.sh"

begin coverage
# The test kernel's selftests and initramfs are reused as they are.
prepare_test_kernel

# Instrument the objects built from the C files that the series changes,
# named as kbuild names them relative to arch/x86/kvm (virt/kvm objects are
# built from there as ../../../virt/kvm/*.o).
cover=$(python3 "$SCRIPTS/queue.py" commits | tail -n1 | cut -d' ' -f1)
profile=()
while IFS= read -r f; do
	case "$f" in
	*_test.c) ;;	# KUnit suites, #included by the file they test
	arch/x86/kvm/*.c) profile+=("GCOV_PROFILE_${f#arch/x86/kvm/}") ;;
	virt/kvm/*.c) profile+=("GCOV_PROFILE_../../../$f") ;;
	esac
done < <(git -C "$TREE" diff --name-only base "$cover" -- arch/x86/kvm virt/kvm)
profile=("${profile[@]/%.c/.o=y}")

stage "coverage kernel (configs/test.config + configs/coverage.config)"
t0=$(now)
"$STAGES/kconfig.sh" "$OBJ_COV" "$TOP/configs/test.config" \
	"$TOP/configs/coverage.config"
run "$LOGS/coverage-kernel.log" kmake "$OBJ_COV" bzImage "${profile[@]}"
say "    bzImage built in $(elapsed "$t0") s, instrumented: ${profile[*]#GCOV_PROFILE_}"

stage "boot the coverage kernel, run KUnit and the kvm selftests"
guest coverage --kernel "$OBJ_COV/arch/x86/boot/bzImage" --limit 5400 || true
summary >"$OUT/results.txt" || true
say "    tests: $(tail -n1 "$OUT/results.txt")"
[ -s "$OUT/vm/gcov.tar.gz" ] || die "the guest sent no gcov counters (see $OUT/vm/console.log)"

stage "line coverage of the series"
exec python3 "$STAGES/coverage.py" --tree "$TREE" --obj "$OBJ_COV" \
	--gcov-tar "$OUT/vm/gcov.tar.gz" --reasons "$TOP/coverage-reasons" \
	--out "$OUT"

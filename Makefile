# Intra-host migration for confidential VMs: patch queue and test pipeline.
# See README.md.  Every target is a thin wrapper around scripts/.

.PHONY: help run check check-debug vmtest bench coverage tree export clean distclean

help: ## this list
	@awk -F':.*## ' '/^[a-z-]+:.*## / { printf "make %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

run: ## fresh machine -> patched kernel booted in QEMU, short report
	@scripts/run.sh

check: ## everything CI runs (.ci/run); last line "N passed, N failed, N skipped"
	@scripts/check.sh

check-debug: ## only the debug stage of make check (KASAN, lockdep, kmemleak)
	@scripts/check-debug.sh

vmtest: ## TESTS="a b": rebuild incrementally, boot, run only those tests
	@TESTS="$(TESTS)" scripts/vmtest.sh

bench: ## move latency (memory, vCPUs); QEMU upgrade downtime: cpr-transfer, move, precopy
	@scripts/bench.sh

coverage: ## line coverage of the series' kernel lines (gcov test kernel)
	@scripts/coverage.sh

tree: ## build/linux and build/qemu: base + one commit per patch, for git work
	@FORCE=$(FORCE) scripts/tree.sh

export: ## regenerate patches/, test-patches/ and qemu/patches from build/
	@python3 scripts/queue.py export
	@[ ! -d build/qemu/.git ] || QUEUE=qemu python3 scripts/queue.py export

clean: ## drop build outputs (keeps build/linux)
	rm -rf build/obj-test build/obj-modular build/selftests build/initramfs* \
		build/check build/vmtest build/run build/bench build/logs \
		build/obj-cov build/coverage build/kunit-src build/kunit-build \
		build/obj-debug build/debug build/check-debug build/qemu-obj \
		build/tests.list build/cpr-guest.o

distclean: ## drop build/ entirely (refuses unexported work unless FORCE=1)
	@python3 scripts/queue.py is-synced 2>/dev/null || [ ! -d build/linux ] || \
		[ -n "$(FORCE)" ] || { echo "build/linux has unexported work: make export, or FORCE=1"; exit 1; }
	@QUEUE=qemu python3 scripts/queue.py is-synced 2>/dev/null || [ ! -d build/qemu ] || \
		[ -n "$(FORCE)" ] || { echo "build/qemu has unexported work: make export, or FORCE=1"; exit 1; }
	rm -rf build

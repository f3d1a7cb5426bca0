# Intra-host migration for confidential VMs: patch queue and test pipeline.
# See README.md.  Every target is a thin wrapper around scripts/.

.PHONY: help run check check-debug vmtest bench coverage tree export clean distclean

help:
	@grep -E '^    make [a-z-]+ {2,}[^ #]' README.md | sed 's/^    //'

run:
	@scripts/run.sh

check:
	@scripts/check.sh

check-debug:
	@scripts/check-debug.sh

vmtest:
	@TESTS="$(TESTS)" scripts/vmtest.sh

bench:
	@scripts/bench.sh

coverage:
	@scripts/coverage.sh

tree:
	@FORCE=$(FORCE) scripts/tree.sh

export:
	@python3 scripts/queue.py export

clean:
	rm -rf build/obj-test build/obj-modular build/selftests build/initramfs* \
		build/check build/vmtest build/run build/bench build/logs \
		build/obj-cov build/coverage build/kunit-src build/kunit-build \
		build/obj-debug build/debug build/check-debug

distclean:
	@python3 scripts/queue.py is-synced 2>/dev/null || [ ! -d build/linux ] || \
		[ -n "$(FORCE)" ] || { echo "build/linux has unexported work: make export, or FORCE=1"; exit 1; }
	rm -rf build

#!/usr/bin/env python3
"""Unit tests of the pipeline's parsers (run by make check, after the base
is imported: vm.py parses KTAP with build/linux's kunit_parser.py)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import vm  # noqa: E402


class Ktap(unittest.TestCase):
    def test_selftest_counts(self):
        out = ["TAP version 13", "1..4", "ok 1 a", "not ok 2 b",
               "ok 3 c # SKIP no SEV", "ok 4 d # XFAIL known",
               "# ok 5 commented out", "  ok 1 nested"]
        self.assertEqual(vm.ktap_counts(out),
                         {"pass": 2, "fail": 1, "skip": 1})

    def test_kunit_suite(self):
        # The format of /sys/kernel/debug/kunit/<suite>/results
        def suite(cases, result, plan=None):
            n = plan if plan is not None else \
                sum(1 for c in cases if c.startswith("    ok") or
                    c.startswith("    not ok"))
            return ["KTAP version 1", "1..1", "    KTAP version 1",
                    "    # Subtest: s", "    1..%d" % n] + cases + [result]
        res = suite(["        KTAP version 1", "        # Subtest: param",
                     "        ok 1 p1", "        not ok 2 p2",
                     "    not ok 1 param", "    ok 2 two",
                     "    ok 3 three # SKIP why"], "not ok 1 s")
        r, c, _ = vm.kunit_result("s", res)
        self.assertEqual(r, "fail")
        self.assertEqual(c, {"pass": 1, "fail": 1, "skip": 1})
        r, c, _ = vm.kunit_result("s", suite(["    ok 1 a"], "ok 1 s"))
        self.assertEqual((r, c["pass"]), ("pass", 1))
        r, _, _ = vm.kunit_result("s", suite(["    ok 1 a # SKIP"],
                                             "ok 1 s # SKIP"))
        self.assertEqual(r, "skip")
        r, c, _ = vm.kunit_result("s", suite(["    # module: "], "ok 1 s", 0))
        self.assertEqual((r, c), ("pass", {"pass": 0, "fail": 0, "skip": 0}))
        r, _, why = vm.kunit_result("s", ["garbage"])
        self.assertEqual(r, "fail")
        self.assertTrue(why)


class Splats(unittest.TestCase):
    def check(self, lines):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("\n".join(lines) + "\n")
        try:
            return vm.console_splats(f.name)
        finally:
            os.unlink(f.name)

    def test_attribution(self):
        by, out, _ = self.check([
            "[    1.0] AMD Zen1 DIV0 bug detected.",
            "[    2.0] kvmmig: RUN t1",
            "[    2.1] WARNING: possible circular locking dependency detected",
            "[    2.2] kvmmig: END t1 rc=0",
            "[    3.0] kvmmig: RUN t2",
            "[    3.1] kvmmig: END t2 rc=0",
            "[    4.0] BUG: sleeping function called from invalid context",
            "[    5.0] Kernel panic - not syncing: Fatal exception",
        ])
        self.assertEqual(list(by), ["t1"])
        self.assertIn("circular locking", by["t1"][0])
        self.assertEqual(len(out), 2)

    def test_clean_boot(self):
        by, out, _ = self.check(["[ 0.1] AMD Zen1 FPDSS bug detected",
                                 "[ 0.2] pci: report a bug"])
        self.assertEqual((by, out), ({}, []))


class Known(unittest.TestCase):
    def test_load(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("# comment\n\nfoo_test the reason here\n")
        try:
            self.assertEqual(vm.load_known(f.name),
                             {"foo_test": "the reason here"})
        finally:
            os.unlink(f.name)


class Kmemleak(unittest.TestCase):
    LEAK = ["unreferenced object 0xffff888101234000 (size 64):",
            "  comm \"vm_move_test\", pid 321, jiffies 4294901234",
            "  hex dump (first 32 bytes):",
            "    00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  ....",
            "  backtrace (crc 1a2b3c4d):",
            "    [<ffffffff81234567>] __kmalloc_noprof+0x1a/0x40",
            "    [<ffffffff81345678>] kvm_gmem_link+0x8c/0x2f0",
            "    [<ffffffff81456789>] kvm_vm_ioctl+0x3d2/0x1200"]

    def test_clean(self):
        e = vm.kmemleak_result([""], True)
        self.assertEqual(e["result"], "pass")

    def test_leaks(self):
        e = vm.kmemleak_result(self.LEAK + self.LEAK, True)
        self.assertEqual(e["result"], "fail")
        self.assertIn("2 unreferenced object(s)", e["detail"])
        self.assertIn("__kmalloc_noprof+0x1a/0x40 <- kvm_gmem_link+0x8c/0x2f0",
                      e["detail"])

    def test_no_kmemleak(self):
        self.assertEqual(vm.kmemleak_result([], False)["result"], "fail")


class HangSite(unittest.TestCase):
    def test_symbols(self):
        d = tempfile.mkdtemp()
        boot = os.path.join(d, "arch", "x86", "boot")
        os.makedirs(boot)
        with open(os.path.join(d, "System.map"), "w") as f:
            f.write("ffffffff81000000 T _text\n"
                    "ffffffff81000100 t default_idle\n"
                    "ffffffff81000180 D some_data\n"
                    "ffffffff81000200 T kvm_vcpu_halt\n")
        regs = os.path.join(d, "registers.log")
        with open(regs, "w") as f:
            f.write("CPU#0\nRAX=0 RIP=ffffffff81000113 RFL=00000246\n"
                    "CPU#1\nRAX=0 RIP=ffffffff81000234 RFL=00000246\n"
                    "CPU#2\nRIP=00007f0000001000\n")
        kernel = os.path.join(boot, "bzImage")
        self.assertEqual(vm.hang_site(regs, kernel),
                         "default_idle+0x13, kvm_vcpu_halt+0x34, "
                         "user 00007f0000001000")
        self.assertIn("unknown", vm.hang_site(regs + ".none", kernel))


if __name__ == "__main__":
    unittest.main()

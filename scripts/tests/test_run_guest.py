#!/usr/bin/env python3
"""Unit tests of the pipeline's parsers (run by make check, after the base
is imported: run_guest.py parses KTAP with build/linux's kunit_parser.py)."""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types
import unittest

sys.path.insert(0, os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "stages"))
import run_guest  # noqa: E402


class Ktap(unittest.TestCase):
    def test_selftest_counts(self):
        out = ["TAP version 13", "1..4", "ok 1 a", "not ok 2 b",
               "ok 3 c # SKIP no SEV", "ok 4 d # XFAIL known",
               "# ok 5 commented out", "  ok 1 nested"]
        self.assertEqual(run_guest.ktap_counts(out),
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
        r, c, _ = run_guest.kunit_result("s", res)
        self.assertEqual(r, "fail")
        self.assertEqual(c, {"pass": 1, "fail": 1, "skip": 1})
        r, c, _ = run_guest.kunit_result("s", suite(["    ok 1 a"], "ok 1 s"))
        self.assertEqual((r, c["pass"]), ("pass", 1))
        r, _, _ = run_guest.kunit_result("s", suite(["    ok 1 a # SKIP"],
                                             "ok 1 s # SKIP"))
        self.assertEqual(r, "skip")
        r, c, _ = run_guest.kunit_result("s", suite(["    # module: "], "ok 1 s", 0))
        self.assertEqual((r, c), ("pass", {"pass": 0, "fail": 0, "skip": 0}))
        r, _, why = run_guest.kunit_result("s", ["garbage"])
        self.assertEqual(r, "fail")
        self.assertTrue(why)


class Splats(unittest.TestCase):
    def check(self, lines):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("\n".join(lines) + "\n")
        try:
            return run_guest.console_splats(f.name)
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
            self.assertEqual(run_guest.load_known(f.name),
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
        e = run_guest.kmemleak_result([""], True)
        self.assertEqual(e["result"], "pass")

    def test_leaks(self):
        e = run_guest.kmemleak_result(self.LEAK + self.LEAK, True)
        self.assertEqual(e["result"], "fail")
        self.assertIn("2 unreferenced object(s)", e["detail"])
        self.assertIn("__kmalloc_noprof+0x1a/0x40 <- kvm_gmem_link+0x8c/0x2f0",
                      e["detail"])

    def test_no_kmemleak(self):
        self.assertEqual(run_guest.kmemleak_result([], False)["result"], "fail")


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
        self.assertEqual(run_guest.hang_site(regs, kernel),
                         "default_idle+0x13, kvm_vcpu_halt+0x34, "
                         "user 00007f0000001000")
        self.assertIn("unknown", run_guest.hang_site(regs + ".none", kernel))


# A qemu-system-x86_64 for the tests below: it records its arguments in
# $FAKE_QEMU_ARGS and, if $FAKE_QEMU_GUEST names a JSON file, writes the
# console and results port of a guest as that file describes them.
FAKE_QEMU = """#!%s
import json, os, sys, time
a = sys.argv[1:]
with open(os.environ["FAKE_QEMU_ARGS"], "a") as f:
    f.write(json.dumps(a) + "\\n")
if os.environ.get("FAKE_QEMU_GUEST"):
    with open(os.environ["FAKE_QEMU_GUEST"]) as f:
        guest = json.load(f)
    boot = guest["after" if "kvmmig.after=" in a[a.index("-append") + 1]
                 else "first"]
    console, results = [a[i + 1][len("file:"):]
                        for i, x in enumerate(a) if x == "-serial"]
    with open(console, "w") as f:
        f.write("".join(l + "\\n" for l in boot["console"]))
    with open(results, "w") as f:
        f.write("".join(l + "\\n" for l in boot["results"]) +
                boot.get("partial", ""))
    if boot.get("hang"):
        time.sleep(30)
""" % sys.executable


class FakeQemu(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.d)
        bindir = os.path.join(self.d, "bin")
        os.makedirs(bindir)
        with open(os.path.join(bindir, "qemu-system-x86_64"), "w") as f:
            f.write(FAKE_QEMU)
        os.chmod(os.path.join(bindir, "qemu-system-x86_64"), 0o755)
        self.args = os.path.join(self.d, "qemu-args")
        self.env = dict(os.environ, FAKE_QEMU_ARGS=self.args,
                        PATH=bindir + os.pathsep + os.environ["PATH"])

    def qemu_args(self):
        with open(self.args) as f:
            return [json.loads(l) for l in f]


class Reproducer(FakeQemu):
    def test_runs_the_same_command(self):
        out = os.path.join(self.d, "out")
        a = types.SimpleNamespace(
            smp=2, mem="4G", mode="check", test_timeout=300, only=["x"],
            kernel=os.path.join(self.d, "obj 'test'", "bzImage"),
            initrd=os.path.join(self.d, "initramfs.cpio"), out=out)
        g = run_guest.Guest(a, 2, "t1")
        g.write_reproducer()
        self.assertEqual(os.path.basename(g.script), "qemu-2.sh")
        there = os.path.join(self.d, "again")
        subprocess.run([g.script, there], env=self.env, check=True,
                       stderr=subprocess.DEVNULL)
        want = g.command(*(os.path.join(there, n) for n in (
            "console.log", "results.log", "monitor.sock")))
        self.assertEqual(self.qemu_args(), [want[1:]])
        self.assertIn("kvmmig.after=t1", want[-1])


class Main(FakeQemu):
    """run_guest.py from start to end against a fake QEMU and a scripted
    guest."""

    def run_vm(self, guest, tests, *args):
        with open(os.path.join(self.d, "guest.json"), "w") as f:
            json.dump(guest, f)
        for name, text in (("tests.list", "".join(
                "x86_64/%s\n" % t for t in tests)),
                ("known", "t_known times out\nt_xpass fails\nt2 hangs\n")):
            with open(os.path.join(self.d, name), "w") as f:
                f.write(text)
        parts = os.path.join(self.d, "parts.jsonl")
        p = subprocess.run(
            [sys.executable, run_guest.__file__,
             "--out", os.path.join(self.d, "vm"), "--parts", parts,
             "--kernel", os.path.join(self.d, "bzImage"),
             "--initrd", os.path.join(self.d, "initramfs.cpio"),
             "--tests", os.path.join(self.d, "tests.list"),
             "--known", os.path.join(self.d, "known")] + list(args),
            env=dict(self.env, FAKE_QEMU_GUEST=os.path.join(
                self.d, "guest.json")),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(p.returncode, 0, p.stdout)
        with open(parts) as f:
            return {e["name"]: e for e in map(json.loads, f)}

    def test_check(self):
        r = self.run_vm({"first": {
            "console": ["[ 2.0] kvmmig: RUN t_splat",
                        "[ 2.1] WARNING: CPU: 0 PID: 1 at foo",
                        "[ 2.2] kvmmig: END t_splat rc=0"],
            "results": [
                "KVMMIG-BEGIN mode=check",
                "KVMMIG-INFO kvm_amd=loaded kvm=present",
                "KVMMIG-KUNIT-BEGIN s1", "KTAP version 1", "1..1",
                "    KTAP version 1", "    # Subtest: s1", "    1..2",
                "    ok 1 a", "    ok 2 b", "ok 1 s1", "",
                "KVMMIG-KUNIT-END s1",
                "KVMMIG-TEST-BEGIN t_pass", "TAP version 13", "1..2",
                "ok 1 x", "ok 2 y", "KVMMIG-TEST-END t_pass rc=0 cs=123",
                "KVMMIG-TEST-BEGIN t_skip", "1..0 # SKIP no SEV",
                "KVMMIG-TEST-END t_skip rc=4 cs=1",
                "KVMMIG-TEST-BEGIN t_fail", "TAP version 13", "1..1",
                "not ok 1 z", "KVMMIG-TEST-END t_fail rc=1 cs=5",
                # a last line without its newline
                "KVMMIG-TEST-BEGIN t_known",
                "boomKVMMIG-TEST-END t_known rc=137 cs=30000",
                "KVMMIG-TEST-BEGIN t_xpass",
                "KVMMIG-TEST-END t_xpass rc=0 cs=2",
                "KVMMIG-TEST-BEGIN t_splat",
                "KVMMIG-TEST-END t_splat rc=0 cs=2",
                "KVMMIG-DONE"]}},
            ["t_pass", "t_skip", "t_fail", "t_known", "t_xpass", "t_splat",
             "t_missing"])
        got = {n: (e["result"], e.get("detail", "")) for n, e in r.items()}
        self.assertEqual(got, {
            "vm: boot, run, kernel log clean":
                ("pass", "kvm_amd=loaded kvm=present"),
            "kunit:s1": ("pass", ""),
            "t_pass": ("pass", ""),
            "t_skip": ("skip", "1..0 # SKIP no SEV"),
            "t_fail": ("fail", "exit status 1"),
            "t_known": ("xfail", "known failure: times out; "
                                 "killed after 300 s timeout"),
            "t_xpass": ("pass", "listed in known-failures but PASSED: "
                                "remove it from the list"),
            "t_splat": ("fail", "kernel splat: [ 2.1] WARNING: CPU: 0 "
                                "PID: 1 at foo"),
            "t_missing": ("fail", "not run: the guest stopped before it")})
        self.assertEqual(r["kunit:s1"]["subtests"],
                         {"pass": 2, "fail": 0, "skip": 0})
        self.assertEqual((r["t_pass"]["seconds"], r["t_pass"]["subtests"]),
                         (1.23, {"pass": 2, "fail": 0, "skip": 0}))
        self.assertEqual(r["t_known"]["tail"], ["boom"])
        self.assertTrue(r["t_xpass"]["xpass"])
        self.assertTrue(os.access(os.path.join(self.d, "vm", "qemu.sh"),
                                  os.X_OK))

    def test_debug_kmemleak_and_splat_outside(self):
        r = self.run_vm({"first": {
            "console": ["[ 5.0] BUG: outside"],
            "results": [
                "KVMMIG-INFO kvm_amd=loaded kvm=present",
                "KVMMIG-TEST-BEGIN t_pass", "KVMMIG-TEST-END t_pass rc=0 cs=3",
                "KVMMIG-KMEMLEAK-BEGIN"] + Kmemleak.LEAK + [
                "KVMMIG-KMEMLEAK-END rc=0", "KVMMIG-DONE"]}},
            ["t_pass"], "--mode", "debug", "--prefix", "debug: ")
        self.assertEqual(sorted(r), [
            "debug: kmemleak: no leak after the tests", "debug: t_pass",
            "debug: vm: boot, run, kernel log clean"])
        self.assertEqual(r["debug: kmemleak: no leak after the tests"][
            "result"], "fail")
        vm_ = r["debug: vm: boot, run, kernel log clean"]
        self.assertEqual((vm_["result"], vm_["detail"]), (
            "fail", "kernel splat outside any test: [ 5.0] BUG: outside"))

    def test_hang_boots_again(self):
        r = self.run_vm({
            "first": {"console": [], "hang": True, "partial": "1..1",
                      "results": [
                          "KVMMIG-INFO kvm_amd=loaded kvm=present",
                          "KVMMIG-TEST-BEGIN t1",
                          "KVMMIG-TEST-END t1 rc=0 cs=3",
                          "KVMMIG-TEST-BEGIN t2"]},
            "after": {"console": [], "results": [
                "KVMMIG-INFO kvm_amd=loaded kvm=present",
                "KVMMIG-TEST-BEGIN t3", "KVMMIG-TEST-END t3 rc=0 cs=3",
                "KVMMIG-DONE"]}},
            ["t1", "t2", "t3"], "--stall", "1",
            "--only", "t1", "t2", "t3", "nosuch")
        got = {n: e["result"] for n, e in r.items()}
        self.assertEqual(got, {"vm: boot, run, kernel log clean": "pass",
                               "t1": "pass", "t2": "xfail", "t3": "pass",
                               "nosuch": "fail"})
        self.assertIn("the guest hung in it (no output for 1 s)",
                      r["t2"]["detail"])
        self.assertEqual(r["vm: boot, run, kernel log clean"]["detail"],
                         "a hang in t2")
        self.assertIn("kvmmig.after=t2", self.qemu_args()[1][-1])

    def test_run_demo_and_gcov(self):
        r = self.run_vm({"first": {"console": [], "results": [
            "KVMMIG-INFO kvm_amd=loaded kvm=missing", "KVMMIG-DEMO-BEGIN",
            "hello", "KVMMIG-DEMO-END rc=3", "KVMMIG-GCOV-BEGIN",
            base64.b64encode(b"counters").decode(), "KVMMIG-GCOV-END"]}},
            [], "--mode", "run")
        self.assertEqual(r["vm: boot, run, kernel log clean"]["detail"],
                         "guest exited before finishing (qemu rc 0); "
                         "no /dev/kvm in the guest (kvm_amd=loaded "
                         "kvm=missing); demo exited with status 3")
        with open(os.path.join(self.d, "vm", "gcov.tar.gz"), "rb") as f:
            self.assertEqual(f.read(), b"counters")


if __name__ == "__main__":
    unittest.main()

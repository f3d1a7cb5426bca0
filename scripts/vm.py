#!/usr/bin/env python3
"""Boot the test kernel under TCG and collect what the guest ran.

The guest's /init (guest/init) writes framed results to the second serial
port; the console (first serial port) is watched for kernel splats.  Each
result is appended as a JSON line to --parts for results.py.  A guest that
stops making progress is killed and the last console lines are shown.
"""

import argparse
import base64
import bisect
import io
import json
import os
import re
import socket
import subprocess
import sys
import time

# A kernel message starting with one of these fails the test it occurs in
# (or the boot, outside any test).
SPLAT = re.compile(
    r"\] (Kernel panic - not syncing|BUG: |WARNING: |Oops: |"
    r"general protection fault|UBSAN: |INFO: task .* blocked|"
    r"INFO: rcu_.* detected stalls|============ ?\[ BUG)")


def load_known(path):
    known = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    name, _, reason = line.partition(" ")
                    known[name] = reason.strip()
    return known


_KP = None


def kernel_ktap_parser():
    """The kernel's own KTAP parser, tools/testing/kunit/kunit_parser.py of
    build/linux (the tree the test kernel is built from), its progress
    output silenced."""
    global _KP
    if _KP is None:
        top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        tree = os.path.join(os.environ.get("BUILD", os.path.join(top, "build")),
                            "linux")
        sys.path.insert(0, os.path.join(tree, "tools", "testing", "kunit"))
        import kunit_parser
        import kunit_printer
        kunit_printer.stdout = kunit_printer.Printer(io.StringIO())
        kunit_parser.stdout = kunit_printer.stdout
        _KP = kunit_parser
    return _KP


def result_counts(tests):
    """How many of these (sub)tests passed, failed and skipped."""
    status = kernel_ktap_parser().TestStatus
    c = {"pass": 0, "fail": 0, "skip": 0}
    for t in tests:
        if t.status == status.SUCCESS:
            c["pass"] += 1
        elif t.status == status.SKIPPED:
            c["skip"] += 1
        else:
            c["fail"] += 1
    return c


def ktap_counts(lines):
    """The top-level results of a selftest's KTAP output."""
    return result_counts(kernel_ktap_parser().parse_run_tests(lines).subtests)


def kunit_result(suite, lines):
    """/sys/kernel/debug/kunit/<suite>/results: the suite's result and
    the counts of its test cases (a parameterized case counts once)."""
    kp = kernel_ktap_parser()
    status = kp.TestStatus
    t = kp.parse_run_tests(lines)
    if t.status == status.FAILURE_TO_PARSE_TESTS:
        return "fail", {"pass": 0, "fail": 0, "skip": 0}, "no KTAP results"
    # The file holds a main test with the suite as its one subtest.
    if len(t.subtests) == 1:
        t = t.subtests[0]
    # NO_TESTS: an "ok" suite without cases (e.g. one its config disables).
    res = {status.SUCCESS: "pass", status.NO_TESTS: "pass",
           status.SKIPPED: "skip"}.get(t.status, "fail")
    return res, result_counts(t.subtests), None


class Guest:
    """One boot of the test guest; boot n > 1 writes files with suffix -n."""

    def __init__(self, a, n=1, after=None):
        self.a = a
        self.after = after
        sfx = "" if n == 1 else "-%d" % n
        os.makedirs(a.out, exist_ok=True)
        self.console = os.path.join(a.out, "console%s.log" % sfx)
        self.results = os.path.join(a.out, "results%s.log" % sfx)
        self.monitor = os.path.join(a.out, "monitor%s.sock" % sfx)
        self.registers = os.path.join(a.out, "registers%s.log" % sfx)
        self.qlog = os.path.join(a.out, "qemu%s.log" % sfx)
        self.qcmd = os.path.join(a.out, "qemu%s.cmd" % sfx)
        for p in (self.console, self.results):
            open(p, "w").close()

    def cmdline(self):
        # ccp.sev_emulation: the test-only emulated SEV platform
        # (test-patches/); ignored by a kernel built without it.
        args = ["console=ttyS0", "panic=-1", "kvmmig.mode=" + self.a.mode,
                "kvmmig.timeout=%d" % self.a.test_timeout,
                "ccp.sev_emulation=1"]
        if self.a.only:
            args.append("kvmmig.only=" + ",".join(self.a.only))
        if self.after:
            args.append("kvmmig.after=" + self.after)
        return " ".join(args)

    def dump_registers(self):
        """Where every vCPU of a hung guest is: HMP "info registers -a"."""
        out = b""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(10)
                s.connect(self.monitor)
                s.sendall(b"info registers -a\nquit\n")
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    out += d
        except OSError as e:
            out += ("\nregister dump cut short: %s\n" % e).encode()
        with open(self.registers, "wb") as f:
            f.write(out)
        return out.decode(errors="replace")

    def run(self, on_line):
        a = self.a
        cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "EPYC",
               "-smp", str(a.smp), "-m", a.mem, "-nodefaults",
               "-display", "none", "-no-reboot",
               "-serial", "file:" + self.console,
               "-serial", "file:" + self.results,
               "-monitor", "unix:%s,server=on,wait=off" % self.monitor,
               "-kernel", a.kernel, "-initrd", a.initrd,
               "-append", self.cmdline()]
        with open(self.qcmd, "w") as f:
            f.write(" ".join(cmd) + "\n")
        qlog = open(self.qlog, "w")
        p = subprocess.Popen(cmd, stdout=qlog, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        start = last = time.time()
        pos = 0
        buf = ""
        sizes = (0, 0)
        why = None
        while True:
            done = p.poll() is not None
            with open(self.results, errors="replace") as f:
                f.seek(pos)
                chunk = f.read()
                pos = f.tell()
            buf += chunk
            *lines, buf = buf.split("\n")
            for l in lines:
                on_line(l.rstrip("\r"))
            if done:
                break
            cur = (os.path.getsize(self.console), pos)
            if cur != sizes:
                sizes, last = cur, time.time()
            if time.time() - last > a.stall:
                why = "no output for %d s" % a.stall
            elif time.time() - start > a.limit:
                why = "over the %d s limit" % a.limit
            if why:
                if p.poll() is None:
                    self.dump_registers()
                p.kill()
                p.wait()
                break
            time.sleep(0.5)
        if buf:
            on_line(buf.rstrip("\r"))
        qlog.close()
        return why, p.returncode, time.time() - start


def console_splats(path):
    """Return ({test: [splat lines]}, [unattributed splat lines], lines)."""
    with open(path, errors="replace") as f:
        lines = [l.rstrip("\r\n") for l in f]
    by_test, outside = {}, []
    current = None
    i = 0
    while i < len(lines):
        l = lines[i]
        m = re.search(r"kvmmig: RUN (\S+)", l)
        if m:
            current = m.group(1)
        elif re.search(r"kvmmig: (END|DONE)", l):
            current = None
        elif SPLAT.search(l):
            block = lines[i:i + 40]
            (by_test.setdefault(current, []) if current else outside).append(
                "\n".join(block))
        i += 1
    return by_test, outside, lines


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = os.environ.get("BUILD", os.path.join(top, "build"))
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default=os.path.join(
        build, "obj-test", "arch", "x86", "boot", "bzImage"))
    ap.add_argument("--initrd", default=os.path.join(build, "initramfs.cpio"))
    ap.add_argument("--mode", default="check",
                    choices=("check", "run", "bench", "coverage", "debug"))
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--tests", default=os.path.join(build, "tests.list"),
                    help="the test list packed into the initramfs")
    ap.add_argument("--out", required=True)
    ap.add_argument("--parts", required=True)
    ap.add_argument("--known", default=os.path.join(top, "known-failures"),
                    help="known-failures file")
    ap.add_argument("--prefix", default="",
                    help="prefix for the name of every result")
    ap.add_argument("--mem", default="4G")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--test-timeout", type=int, default=300)
    ap.add_argument("--stall", type=int, default=None,
                    help="no output for this long is a hang (default: "
                    "the test timeout plus 120 s)")
    ap.add_argument("--limit", type=int, default=3600)
    ap.add_argument("--restarts", type=int, default=2,
                    help="boots after a hang, for the tests after it")
    a = ap.parse_args()
    if a.stall is None:
        a.stall = a.test_timeout + 120

    known = load_known(a.known)
    expected = []
    if a.tests and a.mode in ("check", "coverage", "debug"):
        with open(a.tests) as f:
            expected = [os.path.basename(l.strip()) for l in f if l.strip()]
        if a.only:
            expected = [t for t in expected if t in a.only]
    os.makedirs(os.path.join(a.out, "tests"), exist_ok=True)

    entries = []
    state = {"section": None, "lines": [], "info": "", "done": False,
             "n": 0}
    total = len(expected)

    def emit(e, prefix=""):
        entries.append(e)
        extra = ""
        if e["result"] in ("fail", "xfail") and e.get("detail"):
            extra = "  (" + e["detail"].splitlines()[0][:100] + ")"
        print("    %-9s%-6s %-40s %6.1f s%s" % (
            prefix, e["result"].upper(), e["name"], e["seconds"], extra),
            flush=True)

    def on_line(l):
        # A test that ends without a newline leaves a marker mid-line.
        i = l.find("KVMMIG-", 1)
        if i > 0:
            on_line(l[:i])
            l = l[i:]
        sec = state["section"]
        if l.startswith("KVMMIG-INFO "):
            state["info"] = l[len("KVMMIG-INFO "):]
        elif l.startswith("KVMMIG-DONE"):
            state["done"] = True
        elif l.startswith("KVMMIG-KMEMLEAK-BEGIN"):
            state["section"] = "kmemleak"
            state["lines"] = []
        elif l.startswith("KVMMIG-KMEMLEAK-END"):
            save("kmemleak", state["lines"])
            emit(kmemleak_result(state["lines"], l.endswith("rc=0")))
            state["section"] = None
        elif l.startswith("KVMMIG-GCOV-BEGIN"):
            state["section"] = "gcov"
            state["lines"] = []
        elif l.startswith("KVMMIG-GCOV-END"):
            # The coverage kernel's counters, a base64-encoded tar.gz.
            with open(os.path.join(a.out, "gcov.tar.gz"), "wb") as f:
                f.write(base64.b64decode("".join(state["lines"])))
            state["section"] = None
        elif l.startswith("KVMMIG-KUNIT-BEGIN ") or \
                l.startswith("KVMMIG-TEST-BEGIN ") or \
                l.startswith("KVMMIG-DEMO-BEGIN") or \
                l.startswith("KVMMIG-BENCH-BEGIN"):
            state["section"] = l.split(" ", 1)[1] if " " in l else \
                ("bench" if "BENCH" in l else "demo")
            state["lines"] = []
            if state["section"] in ("demo", "bench"):
                print("", flush=True)
        elif l.startswith("KVMMIG-KUNIT-END "):
            suite = l.split(" ", 1)[1]
            res, c, why = kunit_result(suite, state["lines"])
            save(suite, state["lines"])
            e = {"name": "kunit:" + suite, "kind": "kunit", "result": res,
                 "seconds": 0.0, "subtests": c}
            if why:
                e["detail"] = why
            emit(e)
            state["section"] = None
        elif l.startswith("KVMMIG-TEST-END "):
            m = re.match(r"KVMMIG-TEST-END (\S+) rc=(\d+) cs=(\d+)", l)
            name, rc, cs = m.group(1), int(m.group(2)), int(m.group(3))
            save(name, state["lines"])
            state["n"] += 1
            e = {"name": name, "kind": "selftest", "seconds": cs / 100.0,
                 "subtests": ktap_counts(state["lines"]), "rc": rc}
            if rc == 0:
                e["result"] = "pass"
            elif rc == 4:
                e["result"] = "skip"
                e["detail"] = skip_reason(state["lines"])
            else:
                e["result"] = "fail"
                e["detail"] = ("killed after %d s timeout" % a.test_timeout
                               if rc == 137 else "exit status %d" % rc)
                e["tail"] = state["lines"][-20:]
            finalize(e)
            emit(e, "[%d/%d]" % (state["n"], total))
            state["section"] = None
        elif l.startswith("KVMMIG-DEMO-END") or l.startswith("KVMMIG-BENCH-END"):
            if sec == "bench":
                save("bench", state["lines"])
            state["section"] = None
            state["demo_rc"] = l.split("rc=")[-1]
        elif sec in ("demo", "bench"):
            print("    " + l, flush=True)
            state["lines"].append(l)
        elif sec:
            state["lines"].append(l)

    def save(name, lines):
        with open(os.path.join(a.out, "tests", name + ".log"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def finalize(e):
        reason = known.get(e["name"])
        if reason is not None:
            if e["result"] == "fail":
                e["result"] = "xfail"
                e["detail"] = "known failure: " + reason + \
                    ("; " + e["detail"] if e.get("detail") else "")
            elif e["result"] == "pass":
                e["xpass"] = True
                e["detail"] = "listed in known-failures but PASSED: " \
                    "remove it from the list"

    # A guest that hangs in a test (no output for --stall seconds) fails
    # that test; the tests after it run in a fresh boot, so that one hang
    # is one failure, not the loss of every result after it.
    # Not in coverage mode: the first boot's counters would be lost.
    restarts = 0 if a.mode == "coverage" else a.restarts
    boots, hangs, secs = [], [], 0.0
    after, left = None, 0
    while True:
        g = Guest(a, len(boots) + 1, after)
        boots.append(g)
        print("    booting %s (TCG, -cpu EPYC, %d vCPUs, %s)%s" % (
            os.path.relpath(a.kernel), a.smp, a.mem,
            " again for the %d tests after %s" % (left, after) if after
            else ""), flush=True)
        why, rc, t = g.run(on_line)
        secs += t
        hung = state["section"]
        if not (why and why.startswith("no output") and hung in expected
                and len(boots) <= restarts):
            break
        hangs.append(hung)
        save(hung, state["lines"])
        state["n"] += 1
        e = {"name": hung, "kind": "selftest", "result": "fail",
             "seconds": 0.0, "subtests": ktap_counts(state["lines"]),
             "detail": "the guest hung in it (%s); vCPUs at %s" % (
                 why, hang_site(g.registers, a.kernel)),
             "tail": state["lines"][-20:]}
        finalize(e)
        emit(e, "[%d/%d]" % (state["n"], total))
        state["section"] = None
        after = hung
        left = len(expected) - expected.index(hung) - 1
        if not left:
            # Nothing after it: the hang is the test's failure alone.
            why = None
            state["done"] = True
            break

    by_test, outside, console = {}, [], []
    for g in boots:
        b, o, console = console_splats(g.console)
        for k, v in b.items():
            by_test.setdefault(k, []).extend(v)
        outside += o
    # Splats are only known once the console is complete: a splat fails
    # its test even if the test passed or is a known failure.
    for e in entries:
        if e["kind"] == "selftest" and by_test.get(e["name"]):
            if e["result"] != "fail":
                print("    FAIL   %-40s (kernel splat during the test)"
                      % e["name"])
            e["result"] = "fail"
            e["detail"] = "kernel splat: " + \
                by_test[e["name"]][0].splitlines()[0].strip()
            e["splat"] = by_test[e["name"]][0]
    seen = {e["name"] for e in entries}
    missing = [t for t in expected if t not in seen]
    running = state["section"]
    for t in missing:
        e = {"name": t, "kind": "selftest", "result": "fail", "seconds": 0.0,
             "subtests": {"pass": 0, "fail": 0, "skip": 0},
             "detail": "was running when the guest stopped" if t == running
             else "not run: the guest stopped before it"}
        finalize(e)
        entries.append(e)

    for name in a.only:
        if name not in seen and name not in missing and ("kunit:" + name) not in seen:
            entries.append({"name": name, "kind": "selftest", "result": "fail",
                            "seconds": 0.0,
                            "subtests": {"pass": 0, "fail": 0, "skip": 0},
                            "detail": "no selftest or KUnit suite by this "
                                      "name ran"})

    boot_ok = state["done"] and not why and not outside and \
        "kvm=present" in state["info"]
    detail = []
    if why:
        detail.append("guest killed: " + why)
    if hangs:
        detail.append("a hang in " + ", ".join(hangs) + (
            "; the kmemleak scan covers only the tests after it"
            if a.mode == "debug" else ""))
    elif not state["done"]:
        detail.append("guest exited before finishing (qemu rc %s)" % rc)
    if outside:
        detail.append("kernel splat outside any test: " +
                      outside[0].splitlines()[0].strip())
    if state["info"] and "kvm=present" not in state["info"]:
        detail.append("no /dev/kvm in the guest (" + state["info"] + ")")
    if a.mode in ("run", "bench") and state.get("demo_rc") != "0":
        boot_ok = False
        detail.append("%s exited with status %s" % (
            "demo" if a.mode == "run" else "benchmark",
            state.get("demo_rc", "?")))
    entries.insert(0, {"name": "vm: boot, run, kernel log clean",
                       "kind": "build", "result": "pass" if boot_ok else "fail",
                       "seconds": round(secs, 1),
                       "subtests": {"pass": 0, "fail": 0, "skip": 0},
                       "detail": "; ".join(detail) or state["info"]})

    with open(a.parts, "a") as f:
        for e in entries:
            f.write(json.dumps(dict(e, name=a.prefix + e["name"])) + "\n")

    if not boot_ok:
        print("    guest problem: " + "; ".join(detail))
        blocks = outside or []
        for b in blocks[:2]:
            print("    --- splat:")
            print("\n".join("      " + l for l in b.splitlines()))
        if why or not state["done"]:
            print("    --- last 40 console lines (%s):" % os.path.relpath(
                g.console))
            for l in console[-40:]:
                print("      " + l)
    for e in entries:
        if e.get("splat"):
            print("    --- splat during %s:" % e["name"])
            print("\n".join("      " + l for l in e["splat"].splitlines()))
    return 0


def hang_site(registers, kernel):
    """The kernel functions the vCPUs of a hung guest were in."""
    try:
        with open(registers, errors="replace") as f:
            rips = re.findall(r"RIP=([0-9a-f]{16})", f.read())
        smap = os.path.join(os.path.dirname(kernel), "..", "..", "..",
                            "System.map")
        syms = []
        with open(smap) as f:
            for l in f:
                addr, kind, name = l.split()[:3]
                if kind in "tTwW":
                    syms.append((int(addr, 16), name))
    except OSError:
        return "unknown (no register dump or System.map)"
    syms.sort()
    where = []
    for r in rips:
        v = int(r, 16)
        i = bisect.bisect_right(syms, (v, "\xff")) - 1
        where.append("%s+%#x" % (syms[i][1], v - syms[i][0])
                     if i >= 0 and v >> 63 else "user " + r)
    return ", ".join(where) or "unknown"


def kmemleak_result(lines, scanned):
    """The result of the kmemleak scan after all tests of a debug kernel."""
    e = {"name": "kmemleak: no leak after the tests",
         "kind": "build", "seconds": 0.0,
         "subtests": {"pass": 0, "fail": 0, "skip": 0}}
    leaks = [i for i, l in enumerate(lines)
             if l.startswith("unreferenced object")]
    if not scanned:
        e["result"] = "fail"
        e["detail"] = "kmemleak is missing or disabled itself: no scan"
    elif leaks:
        e["result"] = "fail"
        # The first leak's allocation backtrace names the culprit.
        first = lines[leaks[0]:leaks[1] if len(leaks) > 1 else None]
        frames = [l.strip() for l in first if l.strip().startswith("[<")]
        e["detail"] = "%d unreferenced object(s); first allocated at %s" % (
            len(leaks), " <- ".join(f.split("] ", 1)[-1] for f in frames[:6]))
        e["tail"] = first[:30]
    else:
        e["result"] = "pass"
        e["detail"] = "two scans after the last test, none unreferenced"
    return e


def skip_reason(lines):
    for l in reversed(lines):
        if "SKIP" in l or "skip" in l.lower():
            return l.strip()[:200]
    return ""


if __name__ == "__main__":
    sys.exit(main())

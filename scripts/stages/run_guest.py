#!/usr/bin/env python3
"""Boot the test kernel under TCG and collect what the guest ran.

The guest's /init (guest/init) writes framed results to the second serial
port; the console (first serial port) is watched for kernel splats.  Each
result is appended as a JSON line to --parts for results.py.  A guest that
stops making progress is killed and the last console lines are shown.
Each boot's QEMU command is kept as a script that runs it again
(qemu.sh, qemu-2.sh, ...: see reproducer()).
"""

import argparse
import base64
import bisect
import io
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time

# results.py, the writer of result lines, is in scripts/.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import results  # noqa: E402

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
        top = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))
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
        self.n = n
        self.after = after
        sfx = "" if n == 1 else "-%d" % n
        os.makedirs(a.out, exist_ok=True)
        self.console = os.path.join(a.out, "console%s.log" % sfx)
        self.results = os.path.join(a.out, "results%s.log" % sfx)
        self.monitor = os.path.join(a.out, "monitor%s.sock" % sfx)
        self.registers = os.path.join(a.out, "registers%s.log" % sfx)
        self.qlog = os.path.join(a.out, "qemu%s.log" % sfx)
        self.script = os.path.join(a.out, "qemu%s.sh" % sfx)
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

    def command(self, console, results, monitor):
        """The QEMU command line, with the console, the results port and
        the monitor socket at these paths."""
        a = self.a
        return ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "EPYC",
                "-smp", str(a.smp), "-m", a.mem, "-nodefaults",
                "-display", "none", "-no-reboot",
                "-serial", "file:" + console,
                "-serial", "file:" + results,
                "-monitor", "unix:%s,server=on,wait=off" % monitor,
                "-kernel", a.kernel, "-initrd", a.initrd,
                "-append", self.cmdline()]

    def write_reproducer(self):
        with open(self.script, "w") as f:
            f.write(reproducer(self.command(
                *(REPRO_OUT + "/" + n
                  for n in ("console.log", "results.log", "monitor.sock"))),
                "boot %d of %s" % (self.n, os.path.relpath(self.a.out)),
                os.path.basename(self.script)))
        os.chmod(self.script, 0o755)

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
        cmd = self.command(self.console, self.results, self.monitor)
        self.write_reproducer()
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


# Stands for the reproducer's output directory in a command line.
REPRO_OUT = "\0OUT\0"


def reproducer(cmd, what, name):
    """A shell script that runs cmd, a boot of the test guest, again.
    Paths that start with REPRO_OUT go to the script's argument, a
    directory (by default a new one in /tmp), not over the run's logs."""
    words = [shlex.quote(c).replace(REPRO_OUT, "'\"$out\"'") for c in cmd]
    lines, cur = [], [words[0]]
    for w, c in zip(words[1:], cmd[1:]):
        if c.startswith("-"):
            lines.append(" ".join(cur))
            cur = []
        cur.append(w)
    lines.append(" ".join(cur))
    return """#!/bin/sh
# Runs %s again: the same QEMU command, the kernel and
# initramfs as the build directory has them now.  The serial ports and
# the monitor socket are in DIR (default: a new directory in /tmp).
# usage: %s [DIR]
set -eu
out=${1:-$(mktemp -d /tmp/kvm-mig-qemu.XXXXXX)}
mkdir -p "$out"
echo "console: $out/console.log, results: $out/results.log" >&2
exec %s
""" % (what, name, " \\\n\t".join(lines))


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


def no_subtests():
    return {"pass": 0, "fail": 0, "skip": 0}


class Run:
    """What the guest reports on its results port (guest/init), over all
    its boots: MARKERS maps each marker to its handler."""

    def __init__(self, a, known, expected):
        self.a = a
        self.known = known
        self.expected = expected
        self.entries = []
        self.section = None     # the BEGIN ... END the guest is in
        self.lines = []         # its lines so far
        self.info = ""          # KVMMIG-INFO
        self.done = False       # KVMMIG-DONE seen
        self.n = 0              # selftests reported
        self.demo_rc = None     # the exit status of the demo or benchmark

    def on_line(self, l):
        # A test that ends without a newline leaves a marker mid-line.
        i = l.find("KVMMIG-", 1)
        if i > 0:
            self.on_line(l[:i])
            l = l[i:]
        for prefix, handler in self.MARKERS:
            if l.startswith(prefix):
                handler(self, l)
                return
        if self.section in ("demo", "bench"):
            print("    " + l, flush=True)
        if self.section:
            self.lines.append(l)

    def emit(self, e, prefix=""):
        self.entries.append(e)
        extra = ""
        if e["result"] in ("fail", "xfail") and e.get("detail"):
            extra = "  (" + e["detail"].splitlines()[0][:100] + ")"
        print("    %-9s%-6s %-40s %6.1f s%s" % (
            prefix, e["result"].upper(), e["name"], e["seconds"], extra),
            flush=True)

    def emit_selftest(self, e):
        self.n += 1
        self.finalize(e)
        self.emit(e, "[%d/%d]" % (self.n, len(self.expected)))

    def save(self, name, lines):
        with open(os.path.join(self.a.out, "tests", name + ".log"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def finalize(self, e):
        """A result of a test in known-failures: a failure is an xfail, a
        pass is noted."""
        reason = self.known.get(e["name"])
        if reason is not None:
            if e["result"] == "fail":
                e["result"] = "xfail"
                e["detail"] = "known failure: " + reason + \
                    ("; " + e["detail"] if e.get("detail") else "")
            elif e["result"] == "pass":
                e["xpass"] = True
                e["detail"] = "listed in known-failures but PASSED: " \
                    "remove it from the list"

    # The handlers of the markers, in the order of MARKERS.

    def on_info(self, l):
        self.info = l[len("KVMMIG-INFO "):]

    def on_done(self, l):
        self.done = True

    def begin(self, section):
        self.section = section
        self.lines = []
        if section in ("demo", "bench"):
            print("", flush=True)

    def on_kmemleak_end(self, l):
        self.save("kmemleak", self.lines)
        self.emit(kmemleak_result(self.lines, l.endswith("rc=0")))
        self.section = None

    def on_gcov_end(self, l):
        # The coverage kernel's counters, a base64-encoded tar.gz.
        with open(os.path.join(self.a.out, "gcov.tar.gz"), "wb") as f:
            f.write(base64.b64decode("".join(self.lines)))
        self.section = None

    def on_kunit_end(self, l):
        suite = l.split(" ", 1)[1]
        res, c, why = kunit_result(suite, self.lines)
        self.save(suite, self.lines)
        e = {"name": "kunit:" + suite, "kind": "kunit", "result": res,
             "seconds": 0.0, "subtests": c}
        if why:
            e["detail"] = why
        self.emit(e)
        self.section = None

    def on_test_end(self, l):
        m = re.match(r"KVMMIG-TEST-END (\S+) rc=(\d+) cs=(\d+)", l)
        name, rc, cs = m.group(1), int(m.group(2)), int(m.group(3))
        self.save(name, self.lines)
        e = {"name": name, "kind": "selftest", "seconds": cs / 100.0,
             "subtests": ktap_counts(self.lines), "rc": rc}
        if rc == 0:
            e["result"] = "pass"
        elif rc == 4:
            e["result"] = "skip"
            e["detail"] = skip_reason(self.lines)
        else:
            e["result"] = "fail"
            e["detail"] = ("killed after %d s timeout" % self.a.test_timeout
                           if rc == 137 else "exit status %d" % rc)
            e["tail"] = self.lines[-20:]
        self.emit_selftest(e)
        self.section = None

    def on_output_end(self, l):
        if self.section == "bench":
            self.save("bench", self.lines)
        self.section = None
        self.demo_rc = l.split("rc=")[-1]

    MARKERS = (
        ("KVMMIG-INFO ", on_info),
        ("KVMMIG-DONE", on_done),
        ("KVMMIG-KMEMLEAK-BEGIN", lambda r, l: r.begin("kmemleak")),
        ("KVMMIG-KMEMLEAK-END", on_kmemleak_end),
        ("KVMMIG-GCOV-BEGIN", lambda r, l: r.begin("gcov")),
        ("KVMMIG-GCOV-END", on_gcov_end),
        ("KVMMIG-KUNIT-BEGIN ", lambda r, l: r.begin(l.split(" ", 1)[1])),
        ("KVMMIG-TEST-BEGIN ", lambda r, l: r.begin(l.split(" ", 1)[1])),
        # The demo's and the benchmark's lines are shown as they come.
        ("KVMMIG-DEMO-BEGIN", lambda r, l: r.begin(
            l.split(" ", 1)[1] if " " in l else "demo")),
        ("KVMMIG-BENCH-BEGIN", lambda r, l: r.begin(
            l.split(" ", 1)[1] if " " in l else "bench")),
        ("KVMMIG-KUNIT-END ", on_kunit_end),
        ("KVMMIG-TEST-END ", on_test_end),
        ("KVMMIG-DEMO-END", on_output_end),
        ("KVMMIG-BENCH-END", on_output_end),
    )

    def on_hang(self, g, why):
        """The guest hung in the test it is in: that test fails."""
        hung = self.section
        self.save(hung, self.lines)
        self.emit_selftest({
            "name": hung, "kind": "selftest", "result": "fail",
            "seconds": 0.0, "subtests": ktap_counts(self.lines),
            "detail": "the guest hung in it (%s); vCPUs at %s" % (
                why, hang_site(g.registers, self.a.kernel)),
            "tail": self.lines[-20:]})
        self.section = None
        return hung


def parse_args(argv=None):
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--mode", default="check",
                    choices=("check", "run", "bench", "coverage", "debug"))
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--tests", required=True,
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
    a = ap.parse_args(argv)
    if a.stall is None:
        a.stall = a.test_timeout + 120
    # Absolute, for the reproducer scripts.
    a.kernel, a.initrd = os.path.abspath(a.kernel), os.path.abspath(a.initrd)
    return a


def expected_tests(a):
    """The selftests the guest will run, in its order."""
    if not (a.tests and a.mode in ("check", "coverage", "debug")):
        return []
    with open(a.tests) as f:
        expected = [os.path.basename(l.strip()) for l in f if l.strip()]
    return [t for t in expected if t in a.only] if a.only else expected


def boot(a, run):
    """Boot the guest until it finishes.  A guest that hangs in a test (no
    output for --stall seconds) fails that test; the tests after it run
    in a fresh boot, so that one hang is one failure, not the loss of
    every result after it.  Not in coverage mode: the first boot's
    counters would be lost.  Returns (boots, hangs, why, qemu's rc,
    seconds)."""
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
        why, rc, t = g.run(run.on_line)
        secs += t
        if not (why and why.startswith("no output") and
                run.section in run.expected and len(boots) <= restarts):
            return boots, hangs, why, rc, secs
        after = run.on_hang(g, why)
        hangs.append(after)
        left = len(run.expected) - run.expected.index(after) - 1
        if not left:
            # Nothing after it: the hang is the test's failure alone.
            run.done = True
            return boots, hangs, None, rc, secs


def attribute_splats(run, boots):
    """Splats are only known once the console is complete: a splat fails
    its test even if the test passed or is a known failure.  Returns the
    splats outside any test and the last boot's console."""
    by_test, outside, console = {}, [], []
    for g in boots:
        b, o, console = console_splats(g.console)
        for k, v in b.items():
            by_test.setdefault(k, []).extend(v)
        outside += o
    for e in run.entries:
        if e["kind"] == "selftest" and by_test.get(e["name"]):
            if e["result"] != "fail":
                print("    FAIL   %-40s (kernel splat during the test)"
                      % e["name"])
            e["result"] = "fail"
            e["detail"] = "kernel splat: " + \
                by_test[e["name"]][0].splitlines()[0].strip()
            e["splat"] = by_test[e["name"]][0]
    return outside, console


def add_not_run(run):
    """The expected tests without a result, and --only names that are no
    test."""
    seen = {e["name"] for e in run.entries}
    missing = [t for t in run.expected if t not in seen]
    for t in missing:
        e = {"name": t, "kind": "selftest", "result": "fail", "seconds": 0.0,
             "subtests": no_subtests(),
             "detail": "was running when the guest stopped"
             if t == run.section else "not run: the guest stopped before it"}
        run.finalize(e)
        run.entries.append(e)
    for name in run.a.only:
        if name not in seen and name not in missing and \
                ("kunit:" + name) not in seen:
            run.entries.append({"name": name, "kind": "selftest",
                                "result": "fail", "seconds": 0.0,
                                "subtests": no_subtests(),
                                "detail": "no selftest or KUnit suite by "
                                          "this name ran"})


def boot_result(run, why, rc, secs, hangs, outside):
    """The result of the boots themselves: the guest finished, has
    /dev/kvm, and no splat happened outside a test."""
    a = run.a
    ok = run.done and not why and not outside and "kvm=present" in run.info
    detail = []
    if why:
        detail.append("guest killed: " + why)
    if hangs:
        detail.append("a hang in " + ", ".join(hangs) + (
            "; the kmemleak scan covers only the tests after it"
            if a.mode == "debug" else ""))
    elif not run.done:
        detail.append("guest exited before finishing (qemu rc %s)" % rc)
    if outside:
        detail.append("kernel splat outside any test: " +
                      outside[0].splitlines()[0].strip())
    if run.info and "kvm=present" not in run.info:
        detail.append("no /dev/kvm in the guest (" + run.info + ")")
    if a.mode in ("run", "bench") and run.demo_rc != "0":
        ok = False
        detail.append("%s exited with status %s" % (
            "demo" if a.mode == "run" else "benchmark",
            "?" if run.demo_rc is None else run.demo_rc))
    return {"name": "vm: boot, run, kernel log clean", "kind": "build",
            "result": "pass" if ok else "fail", "seconds": round(secs, 1),
            "subtests": no_subtests(),
            "detail": "; ".join(detail) or run.info}


def main(argv=None):
    a = parse_args(argv)
    run = Run(a, load_known(a.known), expected_tests(a))
    os.makedirs(os.path.join(a.out, "tests"), exist_ok=True)
    boots, hangs, why, rc, secs = boot(a, run)
    outside, console = attribute_splats(run, boots)
    add_not_run(run)
    vm = boot_result(run, why, rc, secs, hangs, outside)
    run.entries.insert(0, vm)
    results.append(a.parts, run.entries, a.prefix)

    if vm["result"] != "pass":
        print("    guest problem: " + vm["detail"])
        for b in outside[:2]:
            print("    --- splat:")
            print("\n".join("      " + l for l in b.splitlines()))
        if why or not run.done:
            print("    --- last 40 console lines (%s):" % os.path.relpath(
                boots[-1].console))
            for l in console[-40:]:
                print("      " + l)
    for e in run.entries:
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

#!/usr/bin/env python3
"""Line coverage of what the series adds or changes in arch/x86/kvm and
virt/kvm, from the gcov counters of a coverage kernel (scripts/coverage.sh).

A line counts when the series' own commits last changed it (git blame of
build/linux, whose HEAD the coverage kernel was built from) and gcov calls
it executable.  Lines of the KUnit suites (*_test.c) are left out: they
run whenever their suite does, and would only flatter the figure.  Every
added line that never ran is listed in report.txt with the reason from
the reasons file (coverage-reasons) of the function it is in, or with
"NO REASON" when that function has none.

Writes summary.json:
  {"added_lines", "executed", "percent", "per_patch": [{"patch",
   "added_lines", "executed", "percent"}], "unexecuted": [{"file", "line",
   "patch", "function", "reason"}], "no_reason": N}
"""

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

DIRS = ("arch/x86/kvm/", "virt/kvm/")


def git(tree, *args):
    return subprocess.run(("git", "-C", tree) + args, check=True,
                          capture_output=True, text=True).stdout


def series_commits(top):
    out = subprocess.run((sys.executable, os.path.join(top, "scripts",
                                                       "queue.py"), "commits"),
                         check=True, capture_output=True, text=True).stdout
    return [tuple(l.split(" ", 1)) for l in out.splitlines() if l.strip()]


def counted(path):
    return path.startswith(DIRS) and path.endswith((".c", ".h")) and \
        not path.endswith("_test.c")


def added_lines(tree, commits):
    """{file: {line: patch}} for the lines the series last changed."""
    patch_of = {rev: name for rev, name in commits}
    files = set()
    for rev, _ in commits:
        for f in git(tree, "diff-tree", "--no-commit-id", "--name-only", "-r",
                     rev).split():
            if counted(f) and os.path.exists(os.path.join(tree, f)):
                files.add(f)
    added = {}
    for f in sorted(files):
        out = git(tree, "blame", "--porcelain", "HEAD", "--", f)
        lines = {}
        for m in re.finditer(r"^([0-9a-f]{40}) \d+ (\d+)", out, re.M):
            name = patch_of.get(m.group(1))
            if name:
                lines[int(m.group(2))] = name
        if lines:
            added[f] = lines
    return added


def load_gcov(tree, obj, tar, work):
    """{file: {line: count}} and {file: [(start, end, name)]} from the
    guest's counters, with gcov run on each object's .gcno."""
    gcda_dir = os.path.join(work, "gcda")
    shutil.rmtree(gcda_dir, ignore_errors=True)
    with tarfile.open(tar) as t:
        try:
            t.extractall(gcda_dir, filter="data")
        except TypeError:       # Python without extraction filters
            t.extractall(gcda_dir)
    obj = os.path.realpath(obj)
    counts, funcs = {}, {}
    found = 0
    for root, _, names in os.walk(gcda_dir):
        for n in names:
            if not n.endswith(".gcda"):
                continue
            # The guest's path is the object's path at build time.
            full = os.path.normpath("/" + os.path.relpath(os.path.join(root, n),
                                                           gcda_dir))
            rel = os.path.relpath(full, obj)
            if rel.startswith(".."):
                continue
            gcno = os.path.join(obj, rel[:-len(".gcda")] + ".gcno")
            if not os.path.exists(gcno):
                continue
            shutil.copy(os.path.join(root, n), gcno[:-len(".gcno")] + ".gcda")
            found += 1
            out = subprocess.run(("gcov", "--json-format", "--stdout",
                                  gcno[:-len(".gcno")] + ".gcda"),
                                 cwd=obj, check=True, capture_output=True).stdout
            for doc in out.decode().splitlines():
                if not doc.strip():
                    continue
                for fe in json.loads(doc)["files"]:
                    src = os.path.normpath(os.path.join(obj, fe["file"]))
                    src = os.path.relpath(os.path.realpath(src),
                                          os.path.realpath(tree))
                    c = counts.setdefault(src, {})
                    for ln in fe["lines"]:
                        c[ln["line_number"]] = c.get(ln["line_number"], 0) + \
                            ln["count"]
                    for fn in fe.get("functions", []):
                        funcs.setdefault(src, set()).add(
                            (fn["start_line"], fn["end_line"],
                             fn.get("demangled_name", fn["name"])))
    return counts, {f: sorted(v) for f, v in funcs.items()}, found


def function_at(funcs, line):
    best = None
    for start, end, name in funcs:
        if start <= line <= end and (best is None or start > best[0]):
            best = (start, name)
    return best[1] if best else "?"


def load_reasons(path):
    """'function: reason' lines; # comments."""
    reasons = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for l in f:
                l = l.strip()
                if l and not l.startswith("#") and ":" in l:
                    fn, reason = l.split(":", 1)
                    reasons[fn.strip()] = reason.strip()
    return reasons


def pct(e, n):
    return round(100.0 * e / n, 1) if n else 0.0


def main():
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", required=True)
    ap.add_argument("--obj", required=True)
    ap.add_argument("--gcov-tar", required=True)
    ap.add_argument("--reasons")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    commits = series_commits(top)
    added = added_lines(a.tree, commits)
    counts, funcs, nobj = load_gcov(a.tree, a.obj, a.gcov_tar, a.out)
    if not nobj:
        print("ERROR: no counters of an instrumented object", file=sys.stderr)
        return 1
    reasons = load_reasons(a.reasons)

    per = {name: [0, 0] for _, name in commits}
    unexec = []
    with_src = {}
    for f, lines in added.items():
        c = counts.get(f)
        if c is None:
            continue
        src = open(os.path.join(a.tree, f), errors="replace").read().split("\n")
        for ln, patch in sorted(lines.items()):
            if ln not in c:
                continue        # not executable (comment, declaration, ...)
            per[patch][0] += 1
            if c[ln]:
                per[patch][1] += 1
                continue
            fn = function_at(funcs.get(f, []), ln)
            unexec.append({"file": f, "line": ln, "patch": patch,
                           "function": fn,
                           "reason": reasons.get(fn, "NO REASON")})
            with_src[(f, ln)] = src[ln - 1].strip() if ln <= len(src) else ""
    total = sum(v[0] for v in per.values())
    done = sum(v[1] for v in per.values())
    summary = {
        "added_lines": total, "executed": done, "percent": pct(done, total),
        "per_patch": [{"patch": name, "added_lines": per[name][0],
                       "executed": per[name][1],
                       "percent": pct(per[name][1], per[name][0])}
                      for _, name in commits if per[name][0]],
        "unexecuted": unexec,
        "no_reason": sum(1 for u in unexec if u["reason"] == "NO REASON"),
        "objects": nobj,
    }
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")

    with open(os.path.join(a.out, "report.txt"), "w") as f:
        f.write("Series lines in arch/x86/kvm and virt/kvm: %d executable, "
                "%d executed (%.1f%%)\n\n" % (total, done, summary["percent"]))
        for p in summary["per_patch"]:
            f.write("  %5d/%-5d %5.1f%%  %s\n" % (p["executed"],
                                                 p["added_lines"],
                                                 p["percent"], p["patch"]))
        f.write("\nNever executed, by function:\n")
        last = None
        for u in unexec:
            key = (u["file"], u["function"])
            if key != last:
                f.write("\n%s: %s()\n    reason: %s\n" % (u["file"],
                                                          u["function"],
                                                          u["reason"]))
                last = key
            f.write("    %5d  %s\n" % (u["line"], with_src[(u["file"],
                                                           u["line"])]))
    print("    %d of %d added executable lines executed (%.1f%%), %d objects; "
          "%d unexecuted lines without a reason" % (done, total,
                                                    summary["percent"], nobj,
                                                    summary["no_reason"]))
    print("    %s, %s" % (os.path.relpath(os.path.join(a.out, "summary.json")),
                          os.path.relpath(os.path.join(a.out, "report.txt"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The results of one run: the only writer of its PARTS file (one JSON
line per test) and of its results.json.

usage: results.py add PARTS NAME KIND RESULT SECONDS [DETAIL [PASS FAIL SKIP]]
       results.py summary PARTS RESULTS_JSON
       results.py all-pass PARTS

add appends one result (common.sh's result() runs it; run_guest.py calls
append()).  summary merges PARTS into RESULTS_JSON and prints the
summary; its last line is exactly "N passed, N failed, N skipped", xfail
(known failures, see known-failures) is counted apart and printed before
it; exit status 1 if anything failed or nothing ran.  all-pass: exit
status 0 if every result in PARTS is a pass.
"""

import json
import os
import sys


def append(parts, entries, prefix=""):
    """Append results (dicts with name, kind, result, seconds, subtests
    and optional detail, tail, splat, xpass) to PARTS, each name after
    prefix."""
    with open(parts, "a") as f:
        for e in entries:
            f.write(json.dumps(dict(e, name=prefix + e["name"])) + "\n")


def add(parts, name, kind, res, secs, detail="", *counts):
    entry = {"name": name, "kind": kind, "result": res,
             "seconds": float(secs),
             "subtests": {"pass": 0, "fail": 0, "skip": 0}}
    if detail:
        entry["detail"] = detail
    if len(counts) >= 3:
        entry["subtests"] = dict(zip(("pass", "fail", "skip"),
                                     map(int, counts[:3])))
    append(parts, [entry])
    return 0


def load(parts):
    if not os.path.exists(parts):
        return []
    with open(parts) as f:
        return [json.loads(l) for l in f if l.strip()]


def all_pass(parts):
    return 0 if all(t["result"] == "pass" for t in load(parts)) else 1


def summary(parts, out):
    tests = load(parts)
    base = "unknown"
    base_id = os.path.join(os.path.dirname(os.path.dirname(out)), "base.id")
    if os.path.exists(base_id):
        with open(base_id) as f:
            pkg, ver, sha = f.read().split()
        base = "%s %s (sha256 %s)" % (pkg, ver, sha)

    # The version the series was last verified against (base.conf).
    verified = None
    conf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "base.conf")
    with open(conf) as f:
        for line in f:
            if line.startswith("BASE_VERSION="):
                verified = line.strip().split("=", 1)[1]
    drift = None
    if verified and base != "unknown":
        drift = base.split(" ")[1] != verified

    count = {"pass": 0, "fail": 0, "skip": 0, "xfail": 0}
    sub = {"pass": 0, "fail": 0, "skip": 0}
    by_kind = {}
    for t in tests:
        count[t["result"]] += 1
        k = by_kind.setdefault(t["kind"], {"pass": 0, "fail": 0, "skip": 0,
                                           "xfail": 0})
        k[t["result"]] += 1
        for r in sub:
            sub[r] += t.get("subtests", {}).get(r, 0)
    summary = dict(count)
    summary["total"] = len(tests)
    summary["seconds"] = round(sum(t.get("seconds", 0) for t in tests), 1)
    summary["by_kind"] = by_kind
    summary["subtests"] = sub
    summary["xpass"] = [t["name"] for t in tests if t.get("xpass")]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"base": base, "base_verified": verified,
                   "base_drift": drift, "tests": tests, "summary": summary},
                  f, indent=1)
        f.write("\n")

    print()
    print("==> results (%s)" % os.path.relpath(out))
    print("    base: " + base)
    if drift is not False:
        print("    WARNING: base %s: the series was verified against %s" % (
            "unknown" if drift is None else "drift", verified))
    for kind in sorted(by_kind):
        k = by_kind[kind]
        print("    %-9s %3d pass %3d fail %3d skip %3d xfail" % (
            kind, k["pass"], k["fail"], k["skip"], k["xfail"]))
    print("    subtests  %3d pass %3d fail %3d skip" % (
        sub["pass"], sub["fail"], sub["skip"]))
    fails = [t for t in tests if t["result"] == "fail"]
    for t in fails:
        print("    FAILED: %s (%s)%s" % (t["name"], t["kind"],
              ": " + t["detail"].splitlines()[0] if t.get("detail") else ""))
    for t in tests:
        if t.get("xpass"):
            print("    NOTE: %s is in known-failures but passed" % t["name"])
    if count["xfail"]:
        names = ", ".join(t["name"] for t in tests if t["result"] == "xfail")
        print("%d xfailed (known failures under TCG: %s)" % (count["xfail"],
                                                           names))
    print("%d passed, %d failed, %d skipped" % (count["pass"], count["fail"],
                                                count["skip"]))
    return 1 if count["fail"] or not tests else 0


def main(argv):
    commands = {"add": add, "summary": summary, "all-pass": all_pass}
    if len(argv) < 2 or argv[1] not in commands:
        sys.exit(__doc__)
    return commands[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Turn vm_move_perf_test's BENCH lines into build/bench/results.json.

Usage: bench.py BENCH_LOG RESULTS_JSON

Prints a table and how the numbers compare with the goals: move latency
within 10% from 1 to 64 GiB of guest_memfd (1 GiB populated), and at 4 GiB
populated at least 1000 times below copying 4 GiB once.  Exits non-zero
only if the log has no measurements; missing a goal is reported, not fatal.
"""

import json
import re
import sys

LINE = re.compile(r"^BENCH (memory|vcpus|copy) (.*)$")


def parse(path):
    res = {"memory": [], "vcpus": [], "copy_4gib_us": None}
    copy = {}
    with open(path) as f:
        for l in f:
            m = LINE.match(l.strip())
            if not m:
                continue
            kv = dict(x.split("=") for x in m.group(2).split())
            if m.group(1) == "memory":
                res["memory"].append({
                    "gib": int(kv["gib"]),
                    "populated_gib": int(kv["populated_mib"]) / 1024,
                    "move_us": float(kv["move_us"])})
            elif m.group(1) == "vcpus":
                res["vcpus"].append({"n": int(kv["n"]),
                                     "move_us": float(kv["move_us"])})
            else:
                copy[int(kv["mib"])] = float(kv["us"])
    res["copy_4gib_us"] = copy.get(4096)
    return res


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    res = parse(sys.argv[1])
    if not res["memory"] and not res["vcpus"]:
        sys.exit("bench: no BENCH lines in " + sys.argv[1])
    with open(sys.argv[2], "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")

    print("    %-26s %12s" % ("guest_memfd / populated", "move (us)"))
    for p in res["memory"]:
        print("    %6d GiB / %6.2f GiB   %12.1f" % (
            p["gib"], p["populated_gib"], p["move_us"]))
    print("    %-26s %12s" % ("vCPUs", "move (us)"))
    for p in res["vcpus"]:
        print("    %-26d %12.1f" % (p["n"], p["move_us"]))
    copy = res["copy_4gib_us"]
    if copy:
        print("    copying 4 GiB once: %.1f us" % copy)

    flat = [p["move_us"] for p in res["memory"] if p["populated_gib"] == 1]
    if len(flat) > 1:
        spread = max(flat) / min(flat) - 1
        print("    goal: flat in memory size (<= 10%%): %.1f%% spread, %s" % (
            spread * 100, "met" if spread <= 0.10 else "NOT met"))
    full = [p["move_us"] for p in res["memory"]
            if p["gib"] == 4 and p["populated_gib"] == 4]
    if full and copy:
        ratio = copy / full[0]
        print("    goal: 4 GiB populated >= 1000x below the copy: %.0fx, %s"
              % (ratio, "met" if ratio >= 1000 else "NOT met"))
    print("    results: " + sys.argv[2])


if __name__ == "__main__":
    main()

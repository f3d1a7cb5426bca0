#!/usr/bin/env python3
"""Turn the BENCH lines of make bench into build/bench/results.json.

Usage: bench.py BENCH_LOG RESULTS_JSON KERNEL_CONFIG...

vm_move_perf_test's lines give the kernel move's latency against memory
size and vCPU count; qemu_cpr_bench's give one VMM upgrade each (variant
a: cpr-transfer of a plain guest, b: cpr-transfer with the move, c:
precopy).  Prints tables and how the numbers compare with the goals: move
latency within 10% from 1 to 64 GiB of guest_memfd (1 GiB populated), and
at 4 GiB populated at least 1000 times below copying 4 GiB once; the
blackout of b within 1.2x of a, flat in memory size (10%), and at least
100x below c at the largest size.  Also writes the data files of
bench.gp next to RESULTS_JSON.  Exits non-zero only if the log has no
measurements; missing a goal is reported, not fatal.
"""

import json
import os
import re
import statistics
import sys

LINE = re.compile(r"^BENCH (memory|vcpus|copy|variant=.*)")
UPGRADE_KEYS = ("downtime_ms", "blackout_us", "guest_tsc_gap_us", "total_ms",
                "ram_transferred", "stop_ms", "load_ms", "move_ms",
                "start_ms", "count_us")


def parse(path):
    res = {"memory": [], "vcpus": [], "copy_4gib_us": None,
           "upgrade_runs": []}
    copy = {}
    with open(path) as f:
        for l in f:
            m = LINE.match(l.strip())
            if not m:
                continue
            if m.group(1).startswith("variant="):
                kv = dict(x.split("=", 1) for x in m.group(1).split())
                run = {"variant": kv["variant"], "mem_mib": int(kv["mem_mib"])}
                for k in UPGRADE_KEYS:
                    if kv.get(k):
                        run[k] = float(kv[k])
                run["counts_continuous"] = kv.get("counts_continuous") == "1"
                res["upgrade_runs"].append(run)
                continue
            kv = dict(x.split("=") for x in l.split()[2:])
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
    res["upgrade"] = medians(res["upgrade_runs"])
    return res


def medians(runs):
    """The median of each number over the runs of a variant and size."""
    out = []
    for v, mib in sorted({(r["variant"], r["mem_mib"]) for r in runs}):
        rs = [r for r in runs if (r["variant"], r["mem_mib"]) == (v, mib)]
        p = {"variant": v, "mem_mib": mib, "runs": len(rs),
             "counts_continuous": all(r["counts_continuous"] for r in rs)}
        for k in UPGRADE_KEYS:
            vals = [r[k] for r in rs if k in r]
            if vals:
                p[k] = statistics.median(vals)
        out.append(p)
    return out


def upgrade_report(up):
    """The upgrade table and its goals; returns the lines."""
    lines = ["%-4s %7s %9s %9s %9s %9s %8s %7s %7s %6s" % (
        "way", "MiB", "blackout", "QEMU dt", "TSC gap", "total", "load",
        "move", "start", "count")]
    for p in up:
        lines.append("%-4s %7d %7.1fms %7.0fms %7.1fms %7.0fms %6.1fms "
                     "%5.2fms %5.1fms %4.0fus" % (
                         p["variant"], p["mem_mib"],
                         p.get("blackout_us", 0) / 1000,
                         p.get("downtime_ms", 0),
                         p.get("guest_tsc_gap_us", 0) / 1000,
                         p.get("total_ms", 0), p.get("load_ms", 0),
                         p.get("move_ms", 0), p.get("start_ms", 0),
                         p.get("count_us", 0)))
    by = {(p["variant"], p["mem_mib"]): p for p in up}
    sizes = sorted({p["mem_mib"] for p in up})
    bo = {k: p.get("blackout_us") for k, p in by.items()}
    ab = [bo[("b", m)] / bo[("a", m)] for m in sizes
          if bo.get(("a", m)) and bo.get(("b", m))]
    if ab:
        lines.append("goal: b within 1.2x of a: %s, %s" % (
            ", ".join("%.2fx" % r for r in ab),
            "met" if max(ab) <= 1.2 else "NOT met"))
    bs = [bo[("b", m)] for m in sizes if bo.get(("b", m))]
    if len(bs) > 1:
        spread = max(bs) / min(bs) - 1
        lines.append("goal: b flat in memory size (<= 10%%): %.1f%% spread, "
                     "%s" % (spread * 100, "met" if spread <= 0.10 else
                             "NOT met"))
    big = sizes[-1] if sizes else None
    if bo.get(("b", big)) and bo.get(("c", big)):
        r = bo[("c", big)] / bo[("b", big)]
        lines.append("goal: b >= 100x below c at %d MiB: %.1fx, %s" % (
            big, r, "met" if r >= 100 else "NOT met"))
    share = [by[("b", m)]["move_ms"] * 1000 / bo[("b", m)] for m in sizes
             if bo.get(("b", m)) and "move_ms" in by[("b", m)]]
    if share:
        lines.append("the kernel move's share of b's blackout: %s" %
                     ", ".join("%.1f%%" % (100 * x) for x in share))
    missing = ["%s at %d MiB" % (v, m) for m in sizes for v in "abc"
               if not bo.get((v, m))]
    if missing:
        lines.append("NOT measured: " + ", ".join(missing))
    if not all(p["counts_continuous"] for p in up):
        lines.append("WARNING: a guest's counts did not go on without a gap")
    return lines


def write_data(res, out_dir):
    """Whitespace-separated columns for bench.gp."""
    with open(os.path.join(out_dir, "memory.dat"), "w") as f:
        for p in res["memory"]:
            if p["populated_gib"] == 1:
                f.write("%d %.1f\n" % (p["gib"], p["move_us"]))
    with open(os.path.join(out_dir, "vcpus.dat"), "w") as f:
        for p in res["vcpus"]:
            f.write("%d %.1f\n" % (p["n"], p["move_us"]))
    for v in "abc":
        with open(os.path.join(out_dir, "upgrade-%s.dat" % v), "w") as f:
            for p in res["upgrade"]:
                if p["variant"] == v and "blackout_us" in p:
                    f.write("%g %.3f %.3f\n" % (
                        p["mem_mib"] / 1024, p["blackout_us"] / 1000,
                        p.get("downtime_ms", 0)))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    res = parse(sys.argv[1])
    if not res["memory"] and not res["vcpus"] and not res["upgrade"]:
        sys.exit("bench: no BENCH lines in " + sys.argv[1])
    res["kernel_config"] = " ".join(sys.argv[3:])
    write_data(res, os.path.dirname(os.path.abspath(sys.argv[2])))
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
    if res["upgrade"]:
        print("    VMM upgrade (median of %d runs; blackout: the guest's "
              "output, seen by the host)" % min(p["runs"] for p in res["upgrade"]))
        for l in upgrade_report(res["upgrade"]):
            print("    " + l)
    print("    kernel: " + res["kernel_config"])
    print("    results: " + sys.argv[2])


if __name__ == "__main__":
    main()

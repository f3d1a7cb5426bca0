#!/usr/bin/env python3
"""Tests of scripts/stages/bench.py on a made-up log."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
STAGES = os.path.join(os.path.dirname(HERE), "stages")

LOG = """TAP version 13
BENCH memory gib=1 populated_mib=1024 move_us=200.0
ok 1 1 GiB guest_memfd, 1024 MiB populated: move 200.0 us
BENCH memory gib=4 populated_mib=4096 move_us=250.0
BENCH memory gib=64 populated_mib=1024 move_us=230.0
BENCH vcpus n=1 move_us=190.5
BENCH vcpus n=64 move_us=2400.0
# copying 4096 MiB: memcpy() 300000.0 ms, loop 25000.0 ms
BENCH copy mib=4096 us=25000000.0
# qemu_cpr_bench -m 512,8192 -r 3
BENCH variant=a mem_mib=512 repeat=1 downtime_ms=20 total_ms=300 ram_transferred=100 stop_ms=0.1 load_ms=15 move_ms=0.00 start_ms=4 old_counts=10 new_counts=10 count_us=90 blackout_us=40000 counts_continuous=1 guest_tsc_gap_us=10000
BENCH variant=a mem_mib=512 repeat=2 downtime_ms=22 blackout_us=44000 counts_continuous=1
BENCH variant=a mem_mib=512 repeat=3 downtime_ms=90 blackout_us=99000 counts_continuous=1
BENCH variant=b mem_mib=512 repeat=1 downtime_ms=21 move_ms=0.5 blackout_us=46000 counts_continuous=1
BENCH variant=b mem_mib=8192 repeat=1 downtime_ms=21 move_ms=0.5 blackout_us=50000 counts_continuous=1
BENCH variant=c mem_mib=8192 repeat=1 downtime_ms=300 blackout_us=320000 counts_continuous=0
"""


class Bench(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.log = os.path.join(self.dir, "bench.log")
        self.json = os.path.join(self.dir, "results.json")
        with open(self.log, "w") as f:
            f.write(LOG)

    def run_script(self, *args):
        return subprocess.run([sys.executable] + list(args),
                              capture_output=True, text=True)

    def test_results_json(self):
        p = self.run_script(os.path.join(STAGES, "bench.py"), self.log,
                            self.json)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.json) as f:
            res = json.load(f)
        self.assertEqual(res["memory"][1],
                         {"gib": 4, "populated_gib": 4.0, "move_us": 250.0})
        self.assertEqual(res["vcpus"], [{"n": 1, "move_us": 190.5},
                                        {"n": 64, "move_us": 2400.0}])
        self.assertEqual(res["copy_4gib_us"], 25000000.0)
        # 200 vs 230 us: 15% apart; 25 s / 250 us = 100000x
        self.assertIn("15.0% spread, NOT met", p.stdout)
        self.assertIn("100000x, met", p.stdout)

    def test_no_measurements(self):
        with open(self.log, "w") as f:
            f.write("not ok 1 something\n")
        p = self.run_script(os.path.join(STAGES, "bench.py"), self.log,
                            self.json)
        self.assertNotEqual(p.returncode, 0)

    def test_upgrade(self):
        p = self.run_script(os.path.join(STAGES, "bench.py"), self.log,
                            self.json, "no", "lockdep")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.json) as f:
            res = json.load(f)
        self.assertEqual(res["kernel_config"], "no lockdep")
        self.assertEqual(len(res["upgrade_runs"]), 6)
        a512 = res["upgrade"][0]
        self.assertEqual((a512["variant"], a512["mem_mib"], a512["runs"]),
                         ("a", 512, 3))
        # medians: 44 ms of 40, 44, 99; 22 ms of 20, 22, 90
        self.assertEqual(a512["blackout_us"], 44000)
        self.assertEqual(a512["downtime_ms"], 22)
        # b/a at 512 MiB: 46/44; b from 46 to 50 ms: 8.7%; c/b: 6.4x
        self.assertIn("goal: b within 1.2x of a: 1.05x, met", p.stdout)
        self.assertIn("8.7% spread, met", p.stdout)
        self.assertIn("at 8192 MiB: 6.4x, NOT met", p.stdout)
        self.assertIn("WARNING: a guest's counts did not go on", p.stdout)
        self.assertIn("NOT measured: c at 512 MiB, a at 8192 MiB", p.stdout)
        with open(os.path.join(self.dir, "upgrade-b.dat")) as f:
            self.assertEqual(f.read(), "0.5 46.000 21.000\n8 50.000 21.000\n")


if __name__ == "__main__":
    unittest.main()

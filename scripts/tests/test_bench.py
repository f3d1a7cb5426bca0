#!/usr/bin/env python3
"""Tests of scripts/bench.py and scripts/bench_plot.py on a made-up log."""

import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)

LOG = """TAP version 13
BENCH memory gib=1 populated_mib=1024 move_us=200.0
ok 1 1 GiB guest_memfd, 1024 MiB populated: move 200.0 us
BENCH memory gib=4 populated_mib=4096 move_us=250.0
BENCH memory gib=64 populated_mib=1024 move_us=230.0
BENCH vcpus n=1 move_us=190.5
BENCH vcpus n=64 move_us=2400.0
# copying 4096 MiB: memcpy() 300000.0 ms, loop 25000.0 ms
BENCH copy mib=4096 us=25000000.0
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
        p = self.run_script(os.path.join(SCRIPTS, "bench.py"), self.log,
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
        p = self.run_script(os.path.join(SCRIPTS, "bench.py"), self.log,
                            self.json)
        self.assertNotEqual(p.returncode, 0)

    def test_plot_is_a_png(self):
        self.run_script(os.path.join(SCRIPTS, "bench.py"), self.log, self.json)
        png = os.path.join(self.dir, "plot.png")
        p = self.run_script(os.path.join(SCRIPTS, "bench_plot.py"), self.json,
                            png)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(png, "rb") as f:
            data = f.read()
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        w, h = struct.unpack(">II", data[16:24])
        idat, pos = b"", 8
        while pos < len(data):
            n, = struct.unpack(">I", data[pos:pos + 4])
            if data[pos + 4:pos + 8] == b"IDAT":
                idat += data[pos + 8:pos + 8 + n]
            pos += 12 + n
        self.assertEqual(len(zlib.decompress(idat)), h * (1 + 3 * w))


if __name__ == "__main__":
    unittest.main()

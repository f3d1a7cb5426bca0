#!/usr/bin/env python3
"""Unit tests of results.py, the writer of every result line and of
results.json."""

import io
import json
import os
import shutil
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import results  # noqa: E402


class Results(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.d)
        os.makedirs(os.path.join(self.d, "check"))
        self.parts = os.path.join(self.d, "check", "parts.jsonl")

    def lines(self):
        with open(self.parts) as f:
            return [json.loads(l) for l in f]

    def test_add(self):
        results.main(["results.py", "add", self.parts, "a", "static", "pass",
                      "1.25"])
        results.main(["results.py", "add", self.parts, "k", "kunit", "fail",
                      "3", "why\n\"x\"", "4", "1", "0"])
        self.assertEqual(self.lines(), [
            {"name": "a", "kind": "static", "result": "pass",
             "seconds": 1.25, "subtests": {"pass": 0, "fail": 0, "skip": 0}},
            {"name": "k", "kind": "kunit", "result": "fail", "seconds": 3.0,
             "subtests": {"pass": 4, "fail": 1, "skip": 0},
             "detail": "why\n\"x\""}])
        self.assertEqual(results.all_pass(self.parts), 1)

    def test_summary(self):
        results.append(self.parts, [
            {"name": "t", "kind": "selftest", "result": "xfail",
             "seconds": 2, "subtests": {"pass": 1, "fail": 0, "skip": 2}},
            {"name": "u", "kind": "selftest", "result": "pass",
             "seconds": 1, "subtests": {"pass": 0, "fail": 0, "skip": 0},
             "xpass": True}], "debug: ")
        self.assertEqual(results.all_pass(self.parts), 1)
        out = os.path.join(self.d, "check", "results.json")
        with redirect_stdout(io.StringIO()) as s:
            self.assertEqual(results.summary(self.parts, out), 0)
        self.assertEqual(s.getvalue().splitlines()[-1],
                         "1 passed, 0 failed, 0 skipped")
        with open(out) as f:
            r = json.load(f)
        self.assertEqual(sorted(r), ["base", "base_drift", "base_verified",
                                     "summary", "tests"])
        self.assertEqual([t["name"] for t in r["tests"]],
                         ["debug: t", "debug: u"])
        self.assertEqual(r["summary"]["xpass"], ["debug: u"])
        self.assertEqual(r["summary"]["subtests"],
                         {"pass": 1, "fail": 0, "skip": 2})

    def test_nothing_ran(self):
        with redirect_stdout(io.StringIO()):
            self.assertEqual(results.summary(
                self.parts, os.path.join(self.d, "check", "r.json")), 1)


if __name__ == "__main__":
    unittest.main()

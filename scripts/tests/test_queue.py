#!/usr/bin/env python3
"""Round-trip tests of scripts/queue.py on a small throw-away tree."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
QUEUE = os.path.join(os.path.dirname(HERE), "queue.py")


class Queue(unittest.TestCase):
    def setUp(self):
        self.top = tempfile.mkdtemp()
        self.tree = os.path.join(self.top, "build", "linux")
        os.makedirs(self.tree)
        os.makedirs(os.path.join(self.top, "patches"))
        os.makedirs(os.path.join(self.top, "test-patches"))
        with open(os.path.join(self.top, "build", "base.id"), "w") as f:
            f.write("linux-source-6.12 6.12.117-1~deb12u1 " + "0" * 64 + "\n")
        self.env = dict(os.environ, QUEUE_TOP=self.top,
                        BUILD=os.path.join(self.top, "build"),
                        GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1",
                        GIT_AUTHOR_NAME="Dev One",
                        GIT_AUTHOR_EMAIL="dev@example.org",
                        GIT_COMMITTER_NAME="c", GIT_COMMITTER_EMAIL="c@c")
        self.write("a.c", "one\ntwo\nthree\n")
        self.git("init", "-q", "-b", "import")
        self.git("add", "-A")
        self.git("commit", "-qm", "base")
        self.git("tag", "base")

    def tearDown(self):
        shutil.rmtree(self.top)

    def write(self, name, text):
        with open(os.path.join(self.tree, name), "w") as f:
            f.write(text)

    def git(self, *args):
        return subprocess.run(["git", *args], cwd=self.tree, env=self.env,
                              check=True, capture_output=True,
                              text=True).stdout

    def queue(self, *args):
        return subprocess.run([sys.executable, QUEUE, *args], env=self.env,
                              capture_output=True, text=True)

    def snapshot(self):
        out = {}
        for d in ("patches", "test-patches"):
            for n in sorted(os.listdir(os.path.join(self.top, d))):
                with open(os.path.join(self.top, d, n), "rb") as f:
                    out[d + "/" + n] = f.read()
        return out

    def develop(self):
        """base, two series commits, the cover commit, one test commit."""
        self.assertEqual(self.queue("sync").returncode, 0)
        cover = self.git("rev-parse", "HEAD").strip()
        self.git("reset", "-q", "--hard", "base")
        self.write("a.c", "one\n2\nthree\n")
        self.git("commit", "-qam", "KVM: SEV: Change two")
        self.write("b.c", "new\n")
        self.git("add", "b.c")
        self.git("commit", "-qm", "KVM: x86: Add b")
        self.git("cherry-pick", "--allow-empty", cover)
        self.write("t.c", "test only\n")
        self.git("add", "t.c")
        self.git("commit", "-qm", "TEST: emulation")

    def test_round_trip(self):
        self.develop()
        r = self.queue("sync")
        self.assertEqual(r.returncode, 1, "sync must refuse unexported work")
        self.assertIn("make export", r.stderr)
        self.assertEqual(self.queue("export").returncode, 0)
        first = self.snapshot()
        self.assertIn("patches/0002-KVM-x86-Add-b.patch", first)
        self.assertIn("test-patches/0001-TEST-emulation.patch", first)
        self.assertIn(b"[PATCH 0/2]", first["patches/0000-cover-letter.patch"])
        self.assertIn(b"base-version: Debian linux-source-6.12",
                      first["patches/0000-cover-letter.patch"])
        # A tree rebuilt from scratch exports the same bytes.
        shutil.rmtree(os.path.join(self.tree, ".git"))
        for n in ("a.c", "b.c", "t.c"):
            if os.path.exists(os.path.join(self.tree, n)):
                os.unlink(os.path.join(self.tree, n))
        self.write("a.c", "one\ntwo\nthree\n")
        self.git("init", "-q", "-b", "import")
        self.git("add", "-A")
        self.git("commit", "-qm", "base")
        self.git("tag", "base")
        self.assertEqual(self.queue("sync").returncode, 0)
        self.assertEqual(self.queue("check-export").returncode, 0)
        self.assertEqual(self.queue("export").returncode, 0)
        self.assertEqual(self.snapshot(), first)
        log = self.git("log", "--format=%s", "base..HEAD").splitlines()
        self.assertEqual(len(log), 4)
        self.assertEqual([log[0], log[2], log[3]],
                         ["TEST: emulation", "KVM: x86: Add b",
                          "KVM: SEV: Change two"])
        # Nothing changed: sync is a no-op and keeps HEAD.
        head = self.git("rev-parse", "HEAD")
        self.assertIn("up to date", self.queue("sync").stdout)
        self.assertEqual(self.git("rev-parse", "HEAD"), head)

    def test_bad_patch(self):
        self.develop()
        self.queue("export")
        p = os.path.join(self.top, "patches", "0001-KVM-SEV-Change-two.patch")
        with open(p) as f:
            text = f.read()
        with open(p, "w") as f:
            f.write(text.replace("-two\n", "-zwei\n"))
        r = self.queue("sync", "--force")
        self.assertEqual(r.returncode, 1)
        self.assertIn("0001-KVM-SEV-Change-two.patch does not apply", r.stderr)
        self.assertIn("-zwei", r.stderr)
        # No stamp: the next run does not trust the half-done tree.
        self.assertFalse(os.path.exists(os.path.join(self.tree, ".git",
                                                     "kvm-mig-stamp")))
        self.assertEqual(self.git("status", "--porcelain"), "")
        with open(p, "w") as f:
            f.write(text)
        self.assertEqual(self.queue("sync").returncode, 0)
        self.assertEqual(self.queue("check-export").returncode, 0)

    def test_dirty_tree_refused(self):
        self.assertEqual(self.queue("sync").returncode, 0)
        self.queue("export")
        self.write("a.c", "edited\n")
        # make check must test the queue, not uncommitted edits
        r = self.queue("sync")
        self.assertEqual(r.returncode, 1)
        self.assertIn("FORCE=1", r.stderr)
        with open(os.path.join(self.tree, "a.c")) as f:
            self.assertEqual(f.read(), "edited\n")
        self.assertEqual(self.queue("export").returncode, 1,
                         "export must refuse uncommitted edits")


class QemuQueue(unittest.TestCase):
    """QUEUE=qemu: qemu/patches and build/qemu, no cover, no test patches."""

    def setUp(self):
        self.top = tempfile.mkdtemp()
        self.tree = os.path.join(self.top, "build", "qemu")
        os.makedirs(self.tree)
        os.makedirs(os.path.join(self.top, "qemu", "patches"))
        with open(os.path.join(self.top, "build", "qemu-base.id"), "w") as f:
            f.write("qemu 1:10.0.13+ds-0+deb13u1 " + "0" * 64 + "\n")
        self.env = dict(os.environ, QUEUE_TOP=self.top, QUEUE="qemu",
                        BUILD=os.path.join(self.top, "build"),
                        GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1",
                        GIT_AUTHOR_NAME="Dev One",
                        GIT_AUTHOR_EMAIL="dev@example.org",
                        GIT_COMMITTER_NAME="c", GIT_COMMITTER_EMAIL="c@c")
        with open(os.path.join(self.tree, "kvm-all.c"), "w") as f:
            f.write("one\ntwo\n")
        self.git("init", "-q", "-b", "import")
        self.git("add", "-A")
        self.git("commit", "-qm", "base")
        self.git("tag", "base")

    def tearDown(self):
        shutil.rmtree(self.top)

    git = Queue.git
    queue = Queue.queue

    def test_round_trip(self):
        self.assertEqual(self.queue("sync").returncode, 0)
        with open(os.path.join(self.tree, "kvm-all.c"), "w") as f:
            f.write("one\n2\n")
        self.git("commit", "-qam", "kvm: Change two")
        r = self.queue("sync")
        self.assertEqual(r.returncode, 1, "sync must refuse unexported work")
        self.assertIn("qemu/patches", r.stderr)
        self.assertEqual(self.queue("export").returncode, 0)
        d = os.path.join(self.top, "qemu", "patches")
        self.assertEqual(sorted(os.listdir(d)),
                         ["0001-kvm-Change-two.patch", "series"])
        self.assertFalse(os.path.exists(os.path.join(self.top, "patches")),
                         "the kernel queue is not touched")
        with open(os.path.join(d, "0001-kvm-Change-two.patch")) as f:
            first = f.read()
        # From scratch: sync applies the queue, export gives the same bytes.
        self.git("checkout", "-q", "--detach", "base")
        self.git("branch", "-D", "queue")
        os.unlink(os.path.join(self.tree, ".git", "kvm-mig-stamp"))
        self.assertEqual(self.queue("sync").returncode, 0)
        self.assertEqual(self.git("log", "--format=%s", "base..HEAD"),
                         "kvm: Change two\n")
        self.assertEqual(self.queue("check-export").returncode, 0)
        with open(os.path.join(d, "0001-kvm-Change-two.patch")) as f:
            self.assertEqual(f.read(), first)
        self.assertIn("up to date", self.queue("sync").stdout)


if __name__ == "__main__":
    unittest.main()

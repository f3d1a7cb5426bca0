#!/usr/bin/env python3
"""The patch queue <-> git tree round trip.

patches/ (the series, with a cover letter) and test-patches/ (test-only
patches, never part of the series) are the source of truth.  build/linux
is a git tree made from them:

    base                  the Debian source, one commit (stages/base.sh)
    series patches        one commit per patches/ entry
    cover commit          empty; its message is the cover letter
    test patches          one commit per test-patches/ entry

With QUEUE=qemu the same commands work on the QEMU queue: qemu/patches
(no cover letter, no test patches) and build/qemu, whose base commit is
Debian's QEMU source (stages/qemu-base.sh).

Commands:
    sync [--force]   make build/linux match the queue (make tree)
    export           regenerate patches/ and test-patches/ from build/linux
    check-export     fail unless export would reproduce the queue exactly
    is-synced        exit 0 if build/linux holds no unexported work
    commits          print "<sha> <patch>" for each series patch
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.environ.get("QUEUE_TOP") or \
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
QEMU = os.environ.get("QUEUE") == "qemu"
if QEMU:
    TREE = os.path.join(BUILD, "qemu")
    PATCHES = os.path.join(TOP, "qemu", "patches")
    QDIRS = ("qemu/patches",)
    BASE_ID = os.path.join(BUILD, "qemu-base.id")
else:
    TREE = os.path.join(BUILD, "linux")
    PATCHES = os.path.join(TOP, "patches")
    QDIRS = ("patches", "test-patches")
    BASE_ID = os.path.join(BUILD, "base.id")
TESTPATCHES = os.path.join(TOP, "test-patches")
TREE_NAME = os.path.relpath(TREE, TOP)
COVER = "0000-cover-letter.patch"
STAMP = os.path.join(TREE, ".git", "kvm-mig-stamp")

DEFAULT_COVER = {
    "author": "kvm-mig <kvm-mig@localhost>",
    "date": "Sat, 21 Nov 2026 00:00:00 +0000",
    "subject": "KVM: SEV: Intra-host migration for confidential VMs",
    "body": "(cover letter text: edit the message of the empty cover commit\n"
            "in build/linux, then run 'make export')\n",
}

# The pipeline's git must not read the user's configuration, and commit
# ids must depend only on the queue's content.
GITENV = dict(os.environ,
              GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null",
              GIT_COMMITTER_NAME="kvm-mig",
              GIT_COMMITTER_EMAIL="kvm-mig@localhost")
FORMAT_PATCH = ["format-patch", "-q", "--zero-commit", "--no-signature",
                "--abbrev=12", "--no-thread", "--no-cover-letter",
                "--subject-prefix=PATCH", "--no-notes"]


class QueueError(Exception):
    pass


def git(*args, env=None, check=True, cwd=TREE):
    p = subprocess.run(["git", *args], cwd=cwd, env=env or GITENV,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if check and p.returncode:
        raise QueueError("git %s: %s" % (" ".join(args), p.stderr.strip()))
    return p


def read_series(d):
    path = os.path.join(d, "series")
    if not os.path.exists(path):
        return []
    names = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                if not os.path.exists(os.path.join(d, line)):
                    raise QueueError("%s lists %s, which does not exist"
                                     % (os.path.relpath(path, TOP), line))
                names.append(line)
    return names


def queue_files():
    """Every file whose content defines the tree, relative to TOP."""
    files = []
    for rel in QDIRS:
        files.append(os.path.join(rel, "series"))
        files += [os.path.join(rel, n) for n in
                  read_series(os.path.join(TOP, rel))]
    if not QEMU:
        files.append(os.path.join(os.path.relpath(PATCHES, TOP), COVER))
    return files


def queue_hash():
    h = hashlib.sha256()
    with open(BASE_ID, "rb") as f:
        h.update(f.read())
    for rel in queue_files():
        path = os.path.join(TOP, rel)
        h.update(rel.encode() + b"\0")
        if os.path.exists(path):
            with open(path, "rb") as f:
                h.update(f.read())
        h.update(b"\0")
    return h.hexdigest()


def head():
    return git("rev-parse", "HEAD").stdout.strip()


def dirty():
    return git("status", "--porcelain").stdout.strip()


def read_stamp():
    try:
        with open(STAMP) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_stamp():
    with open(STAMP, "w") as f:
        json.dump({"queue": queue_hash(), "head": head()}, f)


# --- cover letter -------------------------------------------------------

def parse_cover():
    path = os.path.join(PATCHES, COVER)
    if not os.path.exists(path):
        return dict(DEFAULT_COVER)
    with open(path) as f:
        text = f.read()
    hdr, _, rest = text.partition("\n\n")
    headers = {}
    key = None
    for line in hdr.splitlines()[1:]:
        if line[:1] in (" ", "\t") and key:
            headers[key] += " " + line.strip()
            continue
        key, _, val = line.partition(":")
        key = key.lower()
        headers[key] = val.strip()
    end = rest.find("\n---\nbase-version:")
    if end < 0:
        raise QueueError("%s: no '---' / base-version: block; was it "
                         "written by 'make export'?" % COVER)
    return {
        "author": headers.get("from", DEFAULT_COVER["author"]),
        "date": headers.get("date", DEFAULT_COVER["date"]),
        "subject": re.sub(r"^\[[^\]]*\]\s*", "", headers.get("subject", "")),
        "body": rest[:end + 1],
    }


def cover_commit(cover):
    m = re.match(r"(.*?)\s*<(.*)>$", cover["author"])
    if not m:
        raise QueueError("%s: bad From: %r" % (COVER, cover["author"]))
    env = dict(GITENV, GIT_AUTHOR_NAME=m.group(1), GIT_AUTHOR_EMAIL=m.group(2),
               GIT_AUTHOR_DATE=cover["date"], GIT_COMMITTER_DATE=cover["date"])
    msg = cover["subject"] + "\n\n" + cover["body"]
    p = subprocess.run(["git", "commit", "-q", "--allow-empty",
                        "--cleanup=verbatim", "-F", "-"], cwd=TREE, env=env,
                       input=msg, text=True, capture_output=True)
    if p.returncode:
        raise QueueError("cover commit: " + p.stderr.strip())


def find_cover():
    """The single empty commit in base..HEAD separates series and tests."""
    empty = []
    revs = git("rev-list", "--reverse", "base..HEAD").stdout.split()
    for r in revs:
        if len(git("rev-list", "--parents", "-n1", r).stdout.split()) != 2:
            raise QueueError("commit %s is a merge; the queue must be linear"
                             % r[:12])
        if git("rev-parse", r + "^{tree}").stdout == \
           git("rev-parse", r + "^^{tree}").stdout:
            empty.append(r)
    if len(empty) != 1:
        raise QueueError("build/linux must hold exactly one empty commit (the "
                         "cover letter) between the series and the test "
                         "patches; found %d" % len(empty))
    return empty[0]


# --- sync ---------------------------------------------------------------

def apply(patch, what):
    p = git("am", "-q", "--committer-date-is-author-date", patch, check=False)
    if p.returncode == 0:
        return
    git("am", "--abort", check=False)
    rel = os.path.relpath(patch, TOP)
    msg = ["%s does not apply (%s):" % (rel, what)]
    rej = git("apply", "--reject", "--verbose", patch, check=False)
    msg += ["    " + l for l in (rej.stdout + rej.stderr).splitlines()
            if l.startswith(("error", "Rejected", "Checking"))]
    for f in git("ls-files", "--others").stdout.split():
        if f.endswith(".rej"):
            with open(os.path.join(TREE, f)) as fh:
                msg.append("--- rejected hunks, %s:" % f)
                msg += ["    " + l for l in fh.read().splitlines()]
    git("reset", "-q", "--hard")
    git("clean", "-fdq")
    raise QueueError("\n".join(msg))


def exported_matches():
    with tempfile.TemporaryDirectory() as tmp:
        export(tmp)
        return not compare(tmp)


def is_synced():
    st = read_stamp()
    return bool(st) and st["head"] == head() and not dirty()


def sync(force):
    st = read_stamp()
    if is_synced():
        if st["queue"] == queue_hash():
            return "%s is up to date with the queue" % TREE_NAME
    elif st is None and head() == git("rev-parse", "base").stdout.strip() \
            and not dirty():
        pass                                # fresh import
    elif not dirty() and exported_matches():
        write_stamp()
        return "%s already matches the queue" % TREE_NAME
    elif force:
        ref = "refs/kvm-mig/backup/" + head()[:12]
        git("update-ref", ref, "HEAD")
        print("    FORCE: discarding %s work (saved as %s)" % (TREE_NAME, ref))
    else:
        raise QueueError(
            "%s holds commits or edits that are not in %s/: run 'make "
            "export' to keep them, or pass FORCE=1 to discard them"
            % (TREE_NAME, QDIRS[0]))

    if os.path.exists(STAMP):
        os.unlink(STAMP)
    git("checkout", "-q", "-f", "--detach", "base")
    git("clean", "-fdq")
    git("checkout", "-q", "-B", "queue", "base")
    if QEMU:
        for name in read_series(PATCHES):
            apply(os.path.join(PATCHES, name), "qemu")
        write_stamp()
        return "%s synced: %d patches" % (TREE_NAME, len(read_series(PATCHES)))
    cover = parse_cover()
    for name in read_series(PATCHES):
        apply(os.path.join(PATCHES, name), "series")
    cover_commit(cover)
    for name in read_series(TESTPATCHES):
        apply(os.path.join(TESTPATCHES, name), "test-patches")
    write_stamp()
    return "build/linux synced: %d series + %d test patches" % (
        len(read_series(PATCHES)), len(read_series(TESTPATCHES)))


# --- export -------------------------------------------------------------

def base_note():
    with open(os.path.join(BUILD, "base.id")) as f:
        pkg, ver, sha = f.read().split()
    upstream = ver.split("-")[0]
    return ("base-version: Debian %s %s (Linux %s)\n"
            "base-tarball-sha256: %s\n" % (pkg, ver, upstream, sha))


def write_cover(outdir, cover_rev, n):
    info = git("log", "-1", "--format=%an <%ae>%n%aD%n%s", cover_rev).stdout
    author, date, subject = info.split("\n")[:3]
    body = git("log", "-1", "--format=%b", cover_rev).stdout
    body = body.rstrip("\n") + "\n"
    rng = "base.." + cover_rev + "^"
    shortlog = git("shortlog", "--no-merges", rng).stdout.rstrip("\n")
    stat = git("diff", "--stat=72", "--summary", "base",
               cover_rev + "^").stdout.rstrip("\n")
    width = len(str(n)) if n >= 10 else 1
    text = ("From 0000000000000000000000000000000000000000 "
            "Mon Sep 17 00:00:00 2001\n"
            "From: %s\nDate: %s\nSubject: [PATCH %s/%d] %s\n\n%s\n---\n%s\n"
            % (author, date, "0".zfill(width), n, subject, body, base_note()))
    if n:
        text += "%s\n\n%s\n" % (shortlog, stat)
    else:
        text += "(the series has no patches yet)\n"
    with open(os.path.join(outdir, COVER), "w") as f:
        f.write(text)


def format_patches(outdir, rng, numbered):
    os.makedirs(outdir, exist_ok=True)
    git(*FORMAT_PATCH, "-n" if numbered else "-N", "-o", outdir, rng)
    names = sorted(n for n in os.listdir(outdir)
                   if n.endswith(".patch") and n != COVER)
    with open(os.path.join(outdir, "series"), "w") as f:
        f.write("# Apply in this order (git am, or quilt push -a).\n")
        for n in names:
            f.write(n + "\n")
    return names


def export(outroot):
    if git("status", "--porcelain", "--untracked-files=no").stdout.strip():
        raise QueueError("%s has uncommitted changes; commit them "
                         "(git commit / --fixup) before 'make export'"
                         % TREE_NAME)
    if QEMU:
        format_patches(os.path.join(outroot, QDIRS[0]), "base..HEAD", True)
        return
    cover = find_cover()
    pdir = os.path.join(outroot, "patches")
    names = format_patches(pdir, "base.." + cover + "^", True)
    write_cover(pdir, cover, len(names))
    format_patches(os.path.join(outroot, "test-patches"), cover + "..HEAD",
                   False)


def listing(d):
    if not os.path.isdir(d):
        return {}
    out = {}
    for n in os.listdir(d):
        if n == "series" or n.endswith(".patch"):
            with open(os.path.join(d, n), "rb") as f:
                out[n] = f.read()
    return out


def compare(outroot):
    diffs = []
    for d in QDIRS:
        new, old = listing(os.path.join(outroot, d)), \
            listing(os.path.join(TOP, d))
        for n in sorted(set(new) | set(old)):
            if new.get(n) != old.get(n):
                diffs.append("%s/%s" % (d, n))
    return diffs


def do_export():
    with tempfile.TemporaryDirectory() as tmp:
        export(tmp)
        changed = compare(tmp)
        for d in QDIRS:
            dst = os.path.join(TOP, d)
            os.makedirs(dst, exist_ok=True)
            for n in os.listdir(dst):
                if n == "series" or n.endswith(".patch"):
                    os.unlink(os.path.join(dst, n))
            for n in os.listdir(os.path.join(tmp, d)):
                shutil.copy(os.path.join(tmp, d, n), dst)
    write_stamp()
    if changed:
        print("export: changed " + ", ".join(changed))
    else:
        print("export: no change")


def commits():
    cover = find_cover()
    revs = git("rev-list", "--reverse", "base.." + cover + "^").stdout.split()
    names = read_series(PATCHES)
    if len(revs) != len(names):
        raise QueueError("build/linux has %d series commits but patches/series "
                         "lists %d: run 'make tree'" % (len(revs), len(names)))
    for r, n in zip(revs, names):
        print(r, n)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    try:
        if cmd == "sync":
            print("    " + sync("--force" in sys.argv[2:]))
        elif cmd == "export":
            do_export()
        elif cmd == "check-export":
            with tempfile.TemporaryDirectory() as tmp:
                export(tmp)
                diffs = compare(tmp)
            if diffs:
                print("export would change: " + ", ".join(diffs))
                return 1
        elif cmd == "is-synced":
            return 0 if is_synced() else 1
        elif cmd == "commits":
            commits()
        else:
            print(__doc__)
            return 2
    except QueueError as e:
        print("ERROR: " + str(e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

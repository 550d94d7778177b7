#!/usr/bin/env python3
"""Replays the Python standard library as a long git history, through `git fast-import`.

Used by benches/history.sh (see benches/README.md); not meant to be run by hand, but it can be:

    python3 benches/history_replay.py --repo DIR --root STDLIB --files LIST --commits N \
        --manifest OUT.json [--seed S]

DIR is an empty repository made with `git init -b main`. LIST holds the files to replay as
paths relative to ROOT, NUL-separated (what lib.sh's list_source_files prints). The history
has exactly N commits, counting every ref:

- the files are added a few at a time (grouped by directory), under Lib/;
- meanwhile and afterwards, commits edit 1-4 text files each with lines of real text taken
  from other files of the library (append, insert, replace or delete a run of lines), some
  files far more often than others; some commits rename a file, a few a whole directory,
  some delete files;
- feature branches fork from main, diverge for tens of commits (edits and new files) and are
  merged back with merge commits; two more branches are never merged (one local, one
  remote-tracking); main gets an annotated tag now and then;
- a handful of Twilio credentials are planted, made here with Python's `secrets` module
  (never literal ones): see PLANTS below. The manifest records each one with the commit that
  introduced it.

The shape (commits, paths, edits) depends only on the seed and on the library's files; the
planted values are new every time the repository is built.
"""

import argparse
import json
import os
import random
import secrets
import subprocess
import sys

AUTHORS = [
    ("Ada Bench", "ada@example.invalid"),
    ("Brook Bench", "brook@example.invalid"),
    ("Cyd Bench", "cyd@example.invalid"),
    ("Dee Bench", "dee@example.invalid"),
    ("Eli Bench", "eli@example.invalid"),
    ("Fay Bench", "fay@example.invalid"),
]
START_TIME = 1262304000  # 2010-01-01T00:00:00Z
MAIN = b"refs/heads/main"
# Plain edits on main at the end, so that HEAD~10..HEAD holds no merge: the --since-commit
# HEAD~10 re-scan covers exactly 10 commits, one of which plants a credential.
TAIL = 12
HOT_SHARE = 0.05  # share of files that get half of all edits
HOT_MAX_BYTES = 256 * 1024
VERBS = ["Fix", "Update", "Refactor", "Tidy", "Document", "Extend", "Simplify", "Adjust"]


def quote(path):
    """A path as fast-import reads it: bare when plain, else C-style quoted."""
    raw = path.encode("utf-8", "surrogateescape")
    if raw and all(0x21 <= c < 0x7F and c not in (0x22, 0x5C) for c in raw):
        return raw
    out = bytearray(b'"')
    for c in raw:
        if c == 0x22:
            out += b'\\"'
        elif c == 0x5C:
            out += b"\\\\"
        elif c == 0x0A:
            out += b"\\n"
        elif 0x20 <= c < 0x7F:
            out.append(c)
        else:
            out += b"\\%03o" % c
    out += b'"'
    return bytes(out)


def is_text(data):
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def hex32():
    return secrets.token_hex(16)


def lines_of(data):
    lines = data.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += b"\n"
    return lines


def line_number(data, needle):
    """1-based line of the first occurrence of needle in data."""
    at = data.find(needle.encode())
    return data.count(b"\n", 0, at) + 1 if at >= 0 else 0


class Branch:
    def __init__(self, name, ref, fork, main, length, mergeable):
        self.name = name
        self.ref = ref
        self.fork = fork
        self.tip = None
        self.base = dict(main)  # main at the fork
        self.state = dict(main)
        self.touched = set()
        self.length = length
        self.done = 0
        self.mergeable = mergeable
        self.new_files = 0


class Replay:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.target = args.commits
        self.out = None
        self.mark = 0
        self.time = START_TIME
        self.emitted = 0
        self.main = {}  # path -> bytes on main
        self.text = set()  # paths on main (and branches) whose content is UTF-8 text
        self.hot = set()
        self.main_tip = None
        self.branches = []  # active branches
        self.locks = {}  # path -> mergeable branch that changed it since its fork
        self.reserved = set()  # paths main and branches leave alone until a planned step
        self.frozen_dirs = set()
        self.tags = 0
        self.features = 0
        self.main_steps = 0
        self.plants = []
        self.delete_refs = []
        self.stats = {"merges": 0, "branches": 0, "file_renames": 0, "dir_renames": 0,
                      "deletes": 0, "tags": 0, "adds": 0}
        self.load(args.root, args.files)

    # --- input ------------------------------------------------------------------------------

    def load(self, root, listing):
        with open(listing, "rb") as f:
            names = sorted(n for n in f.read().split(b"\0") if n)
        by_dir = {}
        self.donors = []
        for name in names:
            rel = os.fsdecode(name)
            if rel.startswith("./"):
                rel = rel[2:]
            try:
                with open(os.path.join(root, rel), "rb") as f:
                    data = f.read()
            except OSError:
                continue
            path = "Lib/" + rel
            by_dir.setdefault(os.path.dirname(path), []).append((path, data))
            if is_text(data) and data.strip():
                self.donors.append(data)
        if len(self.donors) < 20:
            sys.exit("history_replay: too few text files to replay")
        # Directories in a random order, the files of each together, in batches of a few.
        dirs = sorted(by_dir)
        self.rng.shuffle(dirs)
        self.pending = [item for d in dirs for item in by_dir[d]]
        self.pending.reverse()  # pop() from the end
        files = len(self.pending)
        self.avg_batch = max(3, -(-files // max(1, self.target // 4)))

    # --- output -----------------------------------------------------------------------------

    def w(self, data):
        self.out.write(data)

    def commit(self, ref, parents, ops, message, author=None):
        self.mark += 1
        self.time += self.rng.randint(300, 7200)
        name, email = author or self.rng.choice(AUTHORS)
        ident = b"%s <%s> %d +0000\n" % (name.encode(), email.encode(), self.time)
        msg = message.encode()
        self.w(b"commit %s\nmark :%d\n" % (ref, self.mark))
        self.w(b"author " + ident + b"committer " + ident)
        self.w(b"data %d\n%s\n" % (len(msg), msg))
        if parents:
            self.w(b"from :%d\n" % parents[0])
            for parent in parents[1:]:
                self.w(b"merge :%d\n" % parent)
        for op in ops:
            if op[0] == "M":
                self.w(b"M 100644 inline %s\ndata %d\n" % (quote(op[1]), len(op[2])))
                self.w(op[2])
                self.w(b"\n")
            elif op[0] == "D":
                self.w(b"D %s\n" % quote(op[1]))
            else:
                self.w(b"R %s %s\n" % (quote(op[1]), quote(op[2])))
        self.w(b"\n")
        self.emitted += 1
        return self.mark

    def tag(self, name, mark, message):
        self.time += 60
        name_, email = AUTHORS[0]
        msg = message.encode()
        self.w(b"tag %s\nfrom :%d\ntagger %s <%s> %d +0000\ndata %d\n%s\n" % (
            name.encode(), mark, name_.encode(), email.encode(), self.time, len(msg), msg))
        self.stats["tags"] += 1

    def main_commit(self, ops, message, author=None):
        self.main_tip = self.commit(MAIN, [self.main_tip] if self.main_tip else [], ops,
                                    message, author)
        return self.main_tip

    # --- content ----------------------------------------------------------------------------

    def donor_lines(self, lo, hi):
        lines = lines_of(self.rng.choice(self.donors))
        while not lines:
            lines = lines_of(self.rng.choice(self.donors))
        k = self.rng.randint(lo, hi)
        start = self.rng.randrange(max(1, len(lines) - k + 1))
        return lines[start:start + k]

    def edited(self, data):
        """data with one run of lines appended, inserted, replaced or deleted."""
        lines = lines_of(data)
        n = len(lines)
        r = self.rng.random()
        if r < 0.3 or n < 20:
            lines += self.donor_lines(3, 40)
        elif r < 0.6:
            at = self.rng.randrange(n + 1)
            lines[at:at] = self.donor_lines(1, 30)
        elif r < 0.85:
            at = self.rng.randrange(n)
            lines[at:at + self.rng.randint(1, 20)] = self.donor_lines(1, 30)
        else:
            at = self.rng.randrange(n)
            del lines[at:at + self.rng.randint(1, 15)]
        return b"".join(lines)

    # --- which paths may change -----------------------------------------------------------

    def frozen(self, path):
        return path in self.reserved or any(path.startswith(d + "/") for d in self.frozen_dirs)

    def main_may_touch(self, path):
        return path not in self.locks and not self.frozen(path)

    def pick_main_text(self, count):
        eligible = [p for p in self.main if p in self.text and self.main_may_touch(p)]
        hot = [p for p in eligible if p in self.hot]
        chosen = []
        for _ in range(count):
            pool = hot if hot and self.rng.random() < 0.5 else eligible
            if pool:
                p = self.rng.choice(pool)
                if p not in chosen:
                    chosen.append(p)
        return chosen

    # --- main-line steps --------------------------------------------------------------------

    def step_add(self, extra_ops=(), message=None):
        size = self.rng.randint(1, 2 * self.avg_batch - 1)
        ops, names = list(extra_ops), []
        while self.pending and len(names) < size:
            path, data = self.pending.pop()
            if path in self.main:
                continue
            self.main[path] = data
            if is_text(data):
                self.text.add(path)
                if len(data) <= HOT_MAX_BYTES and self.rng.random() < HOT_SHARE:
                    self.hot.add(path)
            ops.append(("M", path, data))
            names.append(os.path.basename(path))
        self.stats["adds"] += 1
        folder = os.path.dirname(ops[-1][1]) if ops else "Lib"
        return self.main_commit(ops, message or f"Add {folder}: {', '.join(names[:4])}"
                         + (" and more" if len(names) > 4 else ""))

    def step_edit(self, message=None, extra=None):
        """Edits 1-4 text files on main; extra(path, data) may change one result."""
        paths = self.pick_main_text(self.rng.choice([1, 1, 1, 2, 2, 3, 4]))
        if not paths:
            return self.step_add()
        ops = []
        for i, path in enumerate(paths):
            data = self.edited(self.main[path])
            if extra and i == 0:
                data = extra(path, data)
            self.main[path] = data
            ops.append(("M", path, data))
        message = message or f"{self.rng.choice(VERBS)} {os.path.basename(paths[0])}" + (
            f" and {len(paths) - 1} more" if len(paths) > 1 else "")
        return self.main_commit(ops, message)

    def step_rename_file(self):
        candidates = [p for p in self.main if self.main_may_touch(p)]
        if not candidates:
            return self.step_edit()
        old = self.rng.choice(candidates)
        folder, base = os.path.split(old)
        stem, ext = os.path.splitext(base)
        if self.rng.random() < 0.5:
            new = f"{folder}/{stem}_{self.rng.choice(['impl', 'compat', 'legacy', 'core'])}{ext}"
        else:
            dirs = sorted({os.path.dirname(p) for p in self.main})
            new = f"{self.rng.choice(dirs)}/{base}"
        if new in self.main or any(p.startswith(new + "/") for p in self.main) or new == old:
            return self.step_edit()
        ops = [("R", old, new)]
        self.move(old, new)
        if new in self.text and self.rng.random() < 0.3:
            self.main[new] = self.edited(self.main[new])
            ops.append(("M", new, self.main[new]))
        self.stats["file_renames"] += 1
        self.main_commit(ops, f"Rename {old} to {new}")

    def move(self, old, new):
        self.main[new] = self.main.pop(old)
        for group in (self.text, self.hot):
            if old in group:
                group.discard(old)
                group.add(new)

    def dir_files(self, folder):
        return [p for p in self.main if p.startswith(folder + "/")]

    def rename_dir(self, folder, new, message=None):
        for p in self.dir_files(folder):
            self.move(p, new + p[len(folder):])
        self.stats["dir_renames"] += 1
        return self.main_commit([("R", folder, new)], message or f"Move {folder} to {new}")

    def free_dirs(self, lo, hi):
        counts = {}
        for p in self.main:
            folder = os.path.dirname(p)
            while folder:
                counts[folder] = counts.get(folder, 0) + 1
                folder = os.path.dirname(folder)
        return [d for d, n in sorted(counts.items()) if lo <= n <= hi and d != "Lib"
                and all(self.main_may_touch(p) for p in self.dir_files(d))
                and not any(d.startswith(f + "/") or f.startswith(d + "/") or f == d
                            for f in self.frozen_dirs)]

    def new_dir_name(self, folder):
        parent, base = os.path.split(folder)
        for suffix in ("_old", "2", "_v2", "_legacy", "_next"):
            new = f"{parent}/{base}{suffix}"
            if new not in self.main and not any(p.startswith(new + "/") for p in self.main):
                return new
        return None

    def step_rename_dir(self):
        dirs = self.free_dirs(2, 40)
        if not dirs:
            return self.step_edit()
        folder = self.rng.choice(dirs)
        new = self.new_dir_name(folder)
        if not new:
            return self.step_edit()
        self.rename_dir(folder, new)

    def step_delete(self):
        candidates = [p for p in self.main if self.main_may_touch(p)]
        if not candidates:
            return self.step_edit()
        victims = sorted({self.rng.choice(candidates) for _ in range(self.rng.randint(1, 3))})
        for p in victims:
            del self.main[p]
            self.text.discard(p)
            self.hot.discard(p)
        self.stats["deletes"] += 1
        self.main_commit([("D", p) for p in victims], f"Remove {', '.join(victims)}")

    # --- branches ---------------------------------------------------------------------------

    def start_branch(self, name, ref, length, mergeable):
        branch = Branch(name, ref, self.main_tip, self.main, length, mergeable)
        self.branches.append(branch)
        self.stats["branches"] += 1
        return branch

    def branch_may_touch(self, branch, path):
        if self.frozen(path):
            return False
        if not branch.mergeable:
            return True
        owner = self.locks.get(path)
        if owner is not None:
            return owner is branch
        # Untouched by main since the fork (same object), so the merge takes the branch's side.
        return path in self.main and self.main[path] is branch.base.get(path)

    def branch_commit(self, branch, plant=None):
        ops = []
        if self.rng.random() < 0.15:
            folder = os.path.dirname(self.rng.choice(sorted(branch.state)))
            branch.new_files += 1
            path = f"{folder}/_{branch.name.replace('/', '_')}_{branch.new_files}.py"
            if path not in branch.state and path not in self.main and not self.frozen(path):
                data = b"".join(self.donor_lines(40, 300))
                ops.append(("M", path, data))
        eligible = [p for p in branch.state if p in self.text and self.branch_may_touch(branch, p)]
        for _ in range(self.rng.choice([1, 1, 2, 3])):
            if eligible:
                path = self.rng.choice(eligible)
                if all(op[1] != path for op in ops):
                    ops.append(("M", path, self.edited(branch.state[path])))
        if not ops:
            return False
        if plant:
            path, data = ops[-1][1], ops[-1][2]
            ops[-1] = ("M", path, data + plant[1].encode())
        for _, path, data in ops:
            branch.state[path] = data
            self.text.add(path)
            if branch.mergeable:
                branch.touched.add(path)
                self.locks[path] = branch
        parent = branch.tip or branch.fork
        branch.tip = self.commit(branch.ref, [parent], ops,
                                 f"{self.rng.choice(VERBS)} {os.path.basename(ops[0][1])} "
                                 f"({branch.name})")
        branch.done += 1
        if plant:
            path, data = ops[-1][1], ops[-1][2]
            self.record(plant[0], path, branch.tip, branch.ref.decode(), data)
        return True

    def merge(self, branch, evil_line=None):
        """Merges a finished branch into main: the merge takes the branch's side of every path
        it changed (main left them alone). With evil_line, the merge also appends that line to
        one of them, so the merge commit holds text that neither parent has. Returns the path
        that got the line, or None."""
        paths = sorted(branch.touched)
        for path in paths:
            self.main[path] = branch.state[path]
            del self.locks[path]
        evil_path = None
        if evil_line:
            evil_path = next((p for p in paths if p.endswith(".py")), paths[0])
            self.main[evil_path] += evil_line.encode()
        self.branches.remove(branch)
        self.stats["merges"] += 1
        self.main_tip = self.commit(MAIN, [self.main_tip, branch.tip],
                                    [("M", p, self.main[p]) for p in paths],
                                    f"Merge branch '{branch.name}'", AUTHORS[0])
        return evil_path

    # --- plants -----------------------------------------------------------------------------

    def record(self, kind, path, mark, ref, data, **values):
        plant = self.current_plant
        plant.update(kind=kind, path=path, mark=mark, ref=ref, **values)
        if data is not None:
            plant["line"] = line_number(data, plant["auth_token"])
        self.plants.append(plant)

    def new_plant(self, plan):
        self.current_plant = {"id": f"P{len(self.plants) + 1}", "plan": plan,
                              "auth_token": hex32()}
        return self.current_plant["auth_token"]


def run(args):
    r = Replay(args)
    n = args.commits
    rng = r.rng
    marks_path = args.manifest + ".marks"
    proc = subprocess.Popen(["git", "-C", args.repo, "fast-import", "--quiet", "--done",
                             f"--export-marks={marks_path}"],
                            stdin=subprocess.PIPE, bufsize=1 << 20)
    r.out = proc.stdin

    mergeable = max(2, n // 300)
    lo = max(3, min(10, n // 50))
    hi = max(lo + 2, min(60, n // 25))
    starts = sorted(int(n * (0.12 + 0.8 * (k + rng.random() * 0.5) / mergeable))
                    for k in range(mergeable))
    stale = [(int(0.4 * n), "experiment", b"refs/heads/experiment"),
             (int(0.7 * n), "spike", b"refs/remotes/origin/spike")]
    tag_every = max(50, n // 12)
    # One-off events on main, at a share of the history: (share, name).
    events = sorted([(0.08, "env-file"), (0.30, "client-block"), (0.45, "message"),
                     (0.50, "removed"), (0.60, "renamed"), (0.80, "tag-only")])
    pending_steps = []  # (emitted count, callable): planned follow-ups
    merged_plain = 0
    branch_plant_done = False
    evil_done = False

    def open_merges():
        return sum(1 for b in r.branches if b.mergeable and b.tip is not None)

    def main_step():
        nonlocal merged_plain, evil_done
        r.main_steps += 1
        # A finished mergeable branch is merged first.
        for b in list(r.branches):
            if b.done >= b.length:
                if not b.mergeable:
                    r.branches.remove(b)
                    continue
                if merged_plain >= 1 and not evil_done:
                    token = r.new_plant("evil merge")
                    path = r.merge(b, f'TWILIO_AUTH_TOKEN = "{token}"\n')
                    r.record("merge commit adds a line to a file that neither parent has "
                             f"(merge of {b.name}; first parent: main)", path, r.main_tip,
                             "refs/heads/main", r.main[path])
                    evil_done = True
                else:
                    r.merge(b)
                    merged_plain += 1
                return
        for i, (at, action) in enumerate(pending_steps):
            if r.emitted >= at:
                del pending_steps[i]
                action()
                return
        if events and r.emitted >= events[0][0] * n:
            event(events.pop(0)[1])
            return
        if starts and r.emitted >= starts[0]:
            starts.pop(0)
            r.features += 1
            r.start_branch(f"feature/{r.features}", b"refs/heads/feature/%d" % r.features,
                           rng.randint(lo, hi), True)
        if stale and r.emitted >= stale[0][0]:
            _, name, ref = stale.pop(0)
            r.start_branch(name, ref, rng.randint(max(3, lo), max(4, min(25, hi))), False)
        if r.main_steps % tag_every == 0 and r.main_tip:
            r.tags += 1
            r.tag(f"v1.{r.tags}", r.main_tip, f"Release 1.{r.tags}")
        x = rng.random()
        if r.pending and x < 0.7:
            r.step_add()
        elif x < 0.02 + (0.7 if r.pending else 0):
            r.step_rename_file()
        elif x < 0.025 + (0.7 if r.pending else 0):
            r.step_rename_dir()
        elif x < 0.04 + (0.7 if r.pending else 0):
            r.step_delete()
        else:
            r.step_edit()

    def event(name):
        if name == "env-file":
            token, sid, key = r.new_plant(name), "AC" + hex32(), "SK" + hex32()
            path = "deploy/production.env"
            data = ("# Production settings for the notification service\n"
                    "NOTIFY_FROM=+15005550006\n"
                    f"TWILIO_ACCOUNT_SID={sid}\n"
                    f"TWILIO_AUTH_TOKEN={token}\n"
                    f"TWILIO_API_KEY={key}\n"
                    "NOTIFY_RETRIES=3\n").encode()
            r.step_add(extra_ops=[("M", path, data)], message=f"Add {path} and more files")
            r.main[path] = data
            r.text.add(path)
            r.reserved.add(path)
            r.record("new .env file in a commit that also adds library files", path, r.main_tip,
                     "refs/heads/main", data, account_sid=sid, api_key_sid=key)
        elif name == "client-block":
            token, sid = r.new_plant(name), "AC" + hex32()
            eligible = [p for p in r.main if p in r.text and p.endswith(".py")
                        and r.main_may_touch(p)]
            big = [p for p in eligible if 50_000 <= len(r.main[p]) <= 400_000]
            path = rng.choice(big) if big else max(eligible, key=lambda p: len(r.main[p]))
            lines = lines_of(r.main[path])
            middle = len(lines) // 2
            block = ("from twilio.rest import Client\n"
                     f'account_sid = "{sid}"\n'
                     f'auth_token = "{token}"\n'
                     "client = Client(account_sid, auth_token)\n").encode()
            data = b"".join(lines[:middle]) + block + b"".join(lines[middle:])
            r.main[path] = data
            r.main_commit([("M", path, data)], f"Send notifications from {os.path.basename(path)}")
            r.record(f"Client block inserted in the middle of a large file ({len(data):,} bytes)",
                     path, r.main_tip, "refs/heads/main", data, account_sid=sid)
        elif name == "message":
            token = r.new_plant(name)
            message = ("Rotate the notification credentials\n\n"
                       f"The old value was TWILIO_AUTH_TOKEN={token}; it has been revoked.\n")
            mark = r.step_edit(message=message)
            r.record("commit message (the commit also edits files)", "commit-message", mark,
                     "refs/heads/main", None)
        elif name == "removed":
            token = r.new_plant(name)
            paths = r.pick_main_text(1)
            path = paths[0]
            lines = lines_of(r.main[path])
            at = rng.randrange(len(lines) + 1)
            line = f"TWILIO_AUTH_TOKEN={token}\n".encode()
            data = b"".join(lines[:at]) + line + b"".join(lines[at:])
            r.main[path] = data
            r.reserved.add(path)
            mark = r.main_commit([("M", path, data)], f"Configure {os.path.basename(path)}")
            r.record("added, then removed again about 25 commits later", path, mark,
                     "refs/heads/main", data)

            def remove():
                data = r.main[path].replace(line, b"", 1)
                r.main[path] = data
                r.reserved.discard(path)
                r.main_commit([("M", path, data)], f"Remove a credential from {path}")
            pending_steps.append((r.emitted + 25, remove))
        elif name == "renamed":
            token = r.new_plant(name)
            dirs = r.free_dirs(2, 30)
            folder = rng.choice(dirs)
            new = r.new_dir_name(folder)
            files = [p for p in r.dir_files(folder) if p in r.text]
            path = rng.choice(files) if files else r.dir_files(folder)[0]
            data = r.main[path] + f'TWILIO_AUTH_TOKEN = "{token}"\n'.encode()
            r.main[path] = data
            r.frozen_dirs.add(folder)
            mark = r.main_commit([("M", path, data)], f"Configure {os.path.basename(path)}")
            r.record(f"appended; about 15 commits later its directory {folder} is renamed to {new}",
                     path, mark, "refs/heads/main", data)

            def rename():
                r.frozen_dirs.discard(folder)
                r.rename_dir(folder, new)
            pending_steps.append((r.emitted + 15, rename))
        elif name == "tag-only":
            token, key = r.new_plant(name), "SK" + hex32()
            path = "deploy/hotfix.env"
            data = f"TWILIO_API_KEY={key}\nTWILIO_AUTH_TOKEN={token}\n".encode()
            ref = b"refs/heads/_hotfix"
            mark = r.commit(ref, [r.main_tip], [("M", path, data)], "Hotfix settings")
            r.tag("hotfix-1", mark, "Hotfix 1")
            r.delete_refs.append(ref.decode())
            r.record("commit reachable only from the annotated tag hotfix-1", path, mark,
                     "refs/tags/hotfix-1", data, api_key_sid=key)

    while r.emitted + open_merges() < n - TAIL:
        work = [b for b in r.branches if b.done < b.length]
        if work and rng.random() < 0.35:
            b = rng.choice(work)
            if b.mergeable and b.tip is None and r.emitted + 2 + open_merges() > n - TAIL:
                main_step()
                continue
            plant = None
            if b.done == 1 and not b.mergeable:
                token = r.new_plant("stale branch")
                plant = (f"on branch {b.ref.decode()}, never merged",
                         f"TWILIO_AUTH_TOKEN={token}\n")
            elif b.done == 2 and b.mergeable and not branch_plant_done:
                token = r.new_plant("merged branch")
                plant = (f"on branch {b.ref.decode()}, merged into main later",
                         f"TWILIO_AUTH_TOKEN={token}\n")
                branch_plant_done = True
            if not r.branch_commit(b, plant):
                # Nothing left that this branch may change: close it (a plant is tried again
                # on the next branch).
                branch_plant_done = branch_plant_done and not (plant and b.mergeable)
                b.done = b.length
        else:
            main_step()
    for b in list(r.branches):
        if b.mergeable and b.tip is not None:
            r.merge(b)
        else:
            r.branches.remove(b)
    for i in range(TAIL):
        if i == TAIL - 3:  # HEAD~2
            token = r.new_plant("recent")
            line = f'TWILIO_AUTH_TOKEN = "{token}"\n'.encode()
            holder = {}

            def add_line(path, data):
                holder["path"] = path
                return data + line
            mark = r.step_edit(extra=add_line)
            r.record("on main at HEAD~2 (inside the --since-commit HEAD~10 range)",
                     holder["path"], mark, "refs/heads/main", r.main[holder["path"]],
                     since_range=True)
        else:
            r.step_edit()
    r.w(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit(f"history_replay: git fast-import exited {proc.returncode}")
    if r.emitted != n:
        sys.exit(f"history_replay: made {r.emitted} commits instead of {n}")

    marks = {}
    with open(marks_path) as f:
        for row in f:
            mark, sha = row.split()
            marks[int(mark[1:])] = sha
    os.unlink(marks_path)
    for ref in r.delete_refs:
        subprocess.run(["git", "-C", args.repo, "update-ref", "-d", ref], check=True)
    wanted = ["env-file", "client-block", "message", "removed", "renamed", "tag-only",
              "evil merge", "merged branch", "recent"]
    placed = [p["plan"] for p in r.plants]
    missing = [w for w in wanted if w not in placed]
    if placed.count("stale branch") < 2:
        missing.append("stale branch (x2)")
    if missing:
        sys.exit("history_replay: too few commits to plant every credential (missing: "
                 + ", ".join(missing) + "); use more --commits")
    for plant in r.plants:
        plant["commit"] = marks[plant.pop("mark")]
        plant.setdefault("since_range", False)
    with open(args.manifest, "w") as f:
        json.dump({"commits": r.emitted, "stats": r.stats, "plants": r.plants}, f, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--files", required=True)
    parser.add_argument("--commits", type=int, required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--seed", type=int, default=20240601)
    run(parser.parse_args())


if __name__ == "__main__":
    main()

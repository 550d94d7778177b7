#!/usr/bin/env bash
# History benchmark: `leakfence history --all` against the reference pipeline
# `git log -p --all | rg -c '[0-9a-f]{32}'` on the same git repository: the Python standard
# library replayed as a long history (6,000 commits by default: adds, edits, renames, deletes,
# branches, merges, tags; see benches/history_replay.py), with Twilio credentials planted at
# build time. Also times the incremental re-scan `--since-commit HEAD~10` and measures peak RSS.
# Warm cache, one hyperfine run for all commands, so the ratio is measured side by side.
#
# Usage: bash benches/history.sh [--dir DIR] [--format F] [--commits N] [--runs N]
# See benches/README.md.

set -euo pipefail

# Bump when the repository layout changes in a way the stamp does not see (the replay script's
# content is part of the stamp already), so that old repositories are rebuilt.
readonly LAYOUT_VERSION=1
readonly SEED=20240601
readonly MIN_COMMITS=500
declare -rx RG_REGEX='[0-9a-f]{32}'
declare -rx SINCE_REV='HEAD~10'
# Targets from the issue (exported for the report).
declare -rx TARGET_COMMITS=5000
declare -rx TARGET_RATIO=4.0
declare -rx STRETCH_RATIO=5.0
declare -rx TARGET_RSS_MIB=300
declare -rx TARGET_SINCE_S=1.0

DIR="${TMPDIR:-/tmp}/leakfence-bench-history"
FORMAT=sha1-files
COMMITS=6000
RUNS=3

# shellcheck source=benches/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: bash benches/history.sh [--dir DIR] [--format F] [--commits N] [--runs N]

Builds (once) a git repository under DIR by replaying the Python standard library as N
commits (edits, renames, deletes, branches, merges, tags, planted Twilio credentials), checks
that \`leakfence history --all\` finds every planted Auth Token, and compares it with
\`git log -p --all | rg -c '$RG_REGEX'\` on it, warm cache, in one hyperfine run, together
with \`leakfence history --since-commit $SINCE_REV\`.

Options:
  --format F     repository format: sha1-files (default) or sha256-reftable
  --dir DIR      where the repository lives (default: \${TMPDIR:-/tmp}/leakfence-bench-history)
  --commits N    commits in the history, counting every ref (default: 6000; at least $MIN_COMMITS)
  --runs N       timed runs per command (default: 3)
  -h, --help     this help
EOF
}

parse_options --format:FORMAT --dir:DIR --commits:COMMITS --runs:RUNS -- "$@"
set_repo_format "$FORMAT"
require_positive_int --commits "$COMMITS"
require_positive_int --runs "$RUNS"
((COMMITS >= MIN_COMMITS)) || die "--commits must be at least $MIN_COMMITS (room for every planted credential)"
DIR="$(bench_dir "$(format_dir "$DIR" "$FORMAT")")"

require_commands
isolate_git
make_work_dir

# --- tools -------------------------------------------------------------------------------------

[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is required: apt-get install -y time"
ensure_tools ripgrep:rg hyperfine:hyperfine

# --- build -------------------------------------------------------------------------------------

build_leakfence

# --- repository --------------------------------------------------------------------------------

g() { git -C "$DIR" "$@"; }

find_sources
[[ -d "$STDLIB" ]] || die "the Python standard library ($STDLIB) is needed to build the history"
REPLAY="$ROOT/benches/history_replay.py"
[[ -f "$REPLAY" ]] || die "missing $REPLAY"
STAMP="$DIR/.leakfence-bench-stamp"
# The manifest of the planted credentials lives in .git, out of the history and the work tree.
MANIFEST="$DIR/.git/leakfence-bench-planted.json"
STAMP_TEXT="kind=history$FORMAT_STAMP layout=$LAYOUT_VERSION commits=$COMMITS seed=$SEED stdlib=$STDLIB \
python=$(python3 -c 'import sys; print(sys.version.split()[0])') \
replay=$(sha256sum -- "$REPLAY" | cut -c1-16)"

build_repo() {
    fresh_bench_dir "$DIR" "$STAMP" "$STAMP_TEXT"
    g init -q -b main "${INIT_FORMAT[@]}"
    # No automatic gc or maintenance: the repository is packed once below, like a clone.
    g config gc.auto 0
    g config maintenance.auto false
    printf '/%s\n' "$(basename -- "$STAMP")" >>"$DIR/.git/info/exclude"
    list_source_files python-stdlib >"$WORK/files"
    say "replaying $STDLIB as $COMMITS commits (git fast-import)"
    python3 "$REPLAY" --repo "$DIR" --root "$STDLIB" --files "$WORK/files" \
        --commits "$COMMITS" --seed "$SEED" --manifest "$MANIFEST"
    say "packing the objects (git gc)"
    g gc -q
    say "checking out main"
    g reset -q --hard main
    printf '%s\n' "$STAMP_TEXT" >"$STAMP"
}

if stamp_matches "$STAMP" "$STAMP_TEXT" && [[ -f "$MANIFEST" ]] &&
    g rev-parse -q --verify 'refs/heads/main^{commit}' >/dev/null; then
    say "reusing the benchmark repository in $DIR"
else
    say "building a history of $COMMITS commits in $DIR"
    build_repo
fi

say "measuring the repository"
REPO_COMMITS="$(g rev-list --all --count)"
REPO_MERGES="$(g rev-list --all --merges --count)"
REPO_BRANCHES="$(g for-each-ref --format=x refs/heads refs/remotes | wc -l)"
REPO_TAGS="$(g for-each-ref --format=x refs/tags | wc -l)"
REPO_HEAD_FILES="$(g ls-files -z | tr -cd '\0' | wc -c)"
read -r REPO_BLOBS REPO_BLOB_BYTES < <(
    g cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' |
        awk '$1 == "blob" { n++; s += $2 } END { printf "%d %d\n", n, s }'
)
REPO_GIT_KIB="$(du -sk -- "$DIR/.git" | cut -f1)"

# --- commands ----------------------------------------------------------------------------------

REF_CMD="git -C $(q "$DIR") log -p --all | rg -c $(q "$RG_REGEX")"
LF_ALL_CMD="$(q "$LEAKFENCE") history --all --repo $(q "$DIR") -q --format json"
LF_SINCE_CMD="$(q "$LEAKFENCE") history --repo $(q "$DIR") --since-commit $(q "$SINCE_REV") -q --format json"
NPROC="$(nproc)"
# For the speed-up from parallel blob reads; meaningless on one core.
LF_ONE_CMD=""
if ((NPROC > 1)); then
    LF_ONE_CMD="$(q "$LEAKFENCE") history --all --repo $(q "$DIR") --threads 1 -q --format json"
fi

# --- detection check ---------------------------------------------------------------------------

# Also warms the page cache. leakfence must exit 1 (blocking findings); 2 means an error or an
# incomplete scan, and timing it would mean nothing.
say "checking that leakfence history finds every planted credential"
FINDINGS_ALL="$WORK/findings-all.json"
FINDINGS_SINCE="$WORK/findings-since.json"
set +e
"$LEAKFENCE" history --all --repo "$DIR" --format json --show-secrets -q -o "$FINDINGS_ALL"
LF_ALL_STATUS=$?
"$LEAKFENCE" history --repo "$DIR" --since-commit "$SINCE_REV" --format json --show-secrets -q \
    -o "$FINDINGS_SINCE"
LF_SINCE_STATUS=$?
bash -c "$REF_CMD" >/dev/null
REF_STATUS=$?
set -e
((REF_STATUS == 0)) || die "the reference pipeline failed (exit $REF_STATUS): $REF_CMD"

CHECK_TXT="$WORK/check.txt"
set +e
MANIFEST="$MANIFEST" FINDINGS_ALL="$FINDINGS_ALL" FINDINGS_SINCE="$FINDINGS_SINCE" \
    LF_ALL_STATUS="$LF_ALL_STATUS" LF_SINCE_STATUS="$LF_SINCE_STATUS" REPO_DIR="$DIR" \
    python3 - >"$CHECK_TXT" <<'PY'
import json, os, subprocess, sys

env = os.environ
manifest = json.load(open(env["MANIFEST"]))
plants = manifest["plants"]
all_status, since_status = int(env["LF_ALL_STATUS"]), int(env["LF_SINCE_STATUS"])
failed = False

def load(name, status, what):
    global failed
    try:
        return json.load(open(env[name]))
    except Exception as e:
        failed = True
        print(f"FAIL: cannot read the JSON report of `{what}` ({e}); it exited {status}")
        return {"findings": [], "stats": {}}

report = load("FINDINGS_ALL", all_status, "leakfence history --all")
since = load("FINDINGS_SINCE", since_status, f"leakfence history --since-commit {env['SINCE_REV']}")

def git(*args):
    return subprocess.run(["git", "-C", env["REPO_DIR"], *args], capture_output=True).stdout

def in_head(path, secret):
    if path == "commit-message":
        return None
    return secret.encode() in git("cat-file", "blob", f"HEAD:{path}")

def paths_in_head(secret):
    """The files at HEAD that hold `secret`, as `git grep` lists them (without `HEAD:`)."""
    listed = git("grep", "-l", "-F", secret, "HEAD").decode(errors="replace").split("\n")
    return [line.split(":", 1)[1] for line in listed if ":" in line]

stats = report.get("stats", {})
by_rule = {}
for f in report["findings"]:
    by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
print(f"leakfence history --all: {stats.get('commits', 0):,} commits, {stats.get('blobs', 0):,} distinct "
      f"blobs, {stats.get('bytes', 0) / 2**20:,.1f} MiB read in {stats.get('files', 0):,} text blobs "
      f"(skipped: {stats.get('binary_skipped', 0)} binary, {stats.get('too_large_skipped', 0)} too large; "
      f"{stats.get('errors', 0)} errors); exit status {all_status}")
print("findings by rule: " + (", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())) or "none"))
if all_status != 1:
    failed = True
    print(f"FAIL: leakfence history --all exited {all_status}, expected 1 (blocking findings)")

print()
print("| id | planted | ref | commit | path:line | findings | at that commit and path | "
      "in HEAD: leakfence `in_head` (`head_path`) / git, that path / git, any path |")
print("|---|---|---|---|---|---|---|---|")
notes = []
for p in plants:
    hits = [f for f in report["findings"]
            if f["rule"] == "twilio-auth-token" and f["secret"] == p["auth_token"]]
    exact = [f for f in hits if f.get("commit") == p["commit"] and f["path"] == p["path"]]
    where = p["path"] + (f":{p['line']}" if p.get("line") else "")
    at_path = in_head(p["path"], p["auth_token"])
    head_paths = paths_in_head(p["auth_token"])
    anywhere = bool(head_paths)
    lf_head = exact[0].get("in_head") if exact else None
    lf_head_path = exact[0].get("head_path") if exact else None
    moved = f" (`{lf_head_path}`)" if lf_head_path and lf_head_path != p["path"] else ""
    head_cell = "n/a" if at_path is None else f"{lf_head}{moved} / {at_path} / {anywhere}"
    print(f"| {p['id']} | {p['kind']} | `{p['ref']}` | {p['commit'][:10]} | `{where}` | "
          f"{len(hits)} | {'yes' if exact else '**no**'} | {head_cell} |")
    if not hits:
        failed = True
        notes.append(f"FAIL: {p['id']}: Auth Token {p['auth_token']} not found. Planted: {p['kind']}; "
                     f"ref {p['ref']}, commit {p['commit']}, path {p['path']}"
                     + (f", line {p['line']}" if p.get("line") else ""))
        continue
    if not exact:
        got = ", ".join(f"{f['path']}:{f['line']} in {str(f.get('commit'))[:10]}" for f in hits)
        notes.append(f"warning: {p['id']}: reported at {got}, expected {where} in {p['commit'][:10]}")
    else:
        if p.get("line") and exact[0]["line"] != p["line"]:
            notes.append(f"warning: {p['id']}: reported at line {exact[0]['line']}, planted at line {p['line']}")
        if at_path is not None and lf_head is not anywhere:
            notes.append(f"warning: {p['id']}: in_head is {lf_head}, but git grep finds the value "
                         f"{'in ' + ', '.join(head_paths) if anywhere else 'nowhere'} at HEAD")
        elif lf_head and lf_head_path not in head_paths:
            notes.append(f"warning: {p['id']}: head_path is {lf_head_path}, but git grep finds the "
                         f"value in {', '.join(head_paths)} at HEAD")
    if len(hits) > 1:
        notes.append(f"note: {p['id']}: reported {len(hits)} times")
    for key, rule in (("account_sid", "twilio-account-sid"), ("api_key_sid", "twilio-api-key-sid")):
        if key in p and not any(f["rule"] == rule and f["secret"] == p[key] for f in report["findings"]):
            notes.append(f"warning: {p['id']}: the planted {rule} {p[key]} was not reported")
print()

# The --since-commit re-scan must find what was planted in its range and nothing older.
in_range = [p for p in plants if p["since_range"]]
since_secrets = {f["secret"] for f in since["findings"]}
sstats = since.get("stats", {})
print(f"leakfence history --since-commit {env['SINCE_REV']}: {sstats.get('commits', 0)} commits, "
      f"{sstats.get('blobs', 0)} blobs, {len(since['findings'])} findings; exit status {since_status}")
for p in in_range:
    if p["auth_token"] not in since_secrets:
        failed = True
        notes.append(f"FAIL: {p['id']} ({p['kind']}) not found by --since-commit {env['SINCE_REV']}")
older = [p["id"] for p in plants if not p["since_range"] and p["auth_token"] in since_secrets]
if older:
    notes.append(f"warning: --since-commit {env['SINCE_REV']} reported credentials planted before its "
                 f"range: {', '.join(older)}")
if since_status != 1:
    failed = True
    notes.append(f"FAIL: leakfence history --since-commit exited {since_status}, expected 1")
found = sum(1 for p in plants if any(f["secret"] == p["auth_token"] for f in report["findings"]))
if not failed:
    notes.insert(0, f"ok: all {len(plants)} planted Auth Tokens found by --all; "
                    f"{len(in_range)} of {len(in_range)} in range found by --since-commit {env['SINCE_REV']}")
else:
    notes.insert(0, f"{found} of {len(plants)} planted Auth Tokens found by --all")
print("\n".join(notes))
sys.exit(1 if failed else 0)
PY
CHECK_STATUS=$?
set -e
if ((LF_ALL_STATUS != 1 || LF_SINCE_STATUS != 1)); then
    cat -- "$CHECK_TXT"
    echo "FAIL: leakfence history exited $LF_ALL_STATUS (--all) and $LF_SINCE_STATUS" \
        "(--since-commit $SINCE_REV), expected 1 and 1; not timed"
    exit 1
fi

# --- timing ------------------------------------------------------------------------------------

say "timing with hyperfine: $RUNS runs per command after 1 warm-up run"
HYPERFINE_JSON="$WORK/hyperfine.json"
names=(-n reference -n leakfence-all -n leakfence-since)
cmds=("$REF_CMD" "$LF_ALL_CMD" "$LF_SINCE_CMD")
if [[ -n "$LF_ONE_CMD" ]]; then
    names+=(-n leakfence-all-1-thread)
    cmds+=("$LF_ONE_CMD")
fi
hyperfine --shell=bash --warmup 1 --runs "$RUNS" --ignore-failure --style basic \
    --export-json "$HYPERFINE_JSON" "${names[@]}" "${cmds[@]}" >&2

say "measuring peak RSS with /usr/bin/time"
LF_RSS_KIB="$(peak_rss_kib "$LEAKFENCE" history --all --repo "$DIR" -q --format json)"
REF_RSS_KIB="$(peak_rss_kib bash -c "$REF_CMD")"

# --- report ------------------------------------------------------------------------------------

HYPERFINE_JSON="$HYPERFINE_JSON" REPO_DIR="$DIR" RUNS="$RUNS" NPROC="$NPROC" \
    REPO_COMMITS="$REPO_COMMITS" REPO_MERGES="$REPO_MERGES" REPO_BRANCHES="$REPO_BRANCHES" \
    REPO_TAGS="$REPO_TAGS" REPO_HEAD_FILES="$REPO_HEAD_FILES" REPO_BLOBS="$REPO_BLOBS" \
    REPO_BLOB_BYTES="$REPO_BLOB_BYTES" REPO_GIT_KIB="$REPO_GIT_KIB" \
    LF_RSS_KIB="$LF_RSS_KIB" REF_RSS_KIB="$REF_RSS_KIB" \
    GIT_VERSION="$(git --version)" RG_VERSION="$(rg --version | sed -n 1p)" \
    HYPERFINE_VERSION="$(hyperfine --version)" PY_VERSION="$(python3 --version)" \
    LF_VERSION="$("$LEAKFENCE" --version)" GIT_REV="$(source_rev)" python3 - <<'PY'
import json, os

env = os.environ
res = {r["command"]: r for r in json.load(open(env["HYPERFINE_JSON"]))["results"]}
med = {k: r["median"] for k, r in res.items()}
sd = {k: r["stddev"] or 0.0 for k, r in res.items()}
commits, blobs = int(env["REPO_COMMITS"]), int(env["REPO_BLOBS"])
blob_mib, git_mib = int(env["REPO_BLOB_BYTES"]) / 2**20, int(env["REPO_GIT_KIB"]) / 1024

def mib(kib):
    try:
        return int(kib) / 1024
    except ValueError:
        return float("nan")

lf_rss, ref_rss = mib(env["LF_RSS_KIB"]), mib(env["REF_RSS_KIB"])
ratio = med["reference"] / med["leakfence-all"]
target_ratio, stretch = float(env["TARGET_RATIO"]), float(env["STRETCH_RATIO"])
target_rss, target_since = float(env["TARGET_RSS_MIB"]), float(env["TARGET_SINCE_S"])
target_commits = int(env["TARGET_COMMITS"])

def mark(ok):
    return "met" if ok else "**MISSED**"

def t(name):
    return f"{med[name]:.2f} s (sd {sd[name]:.2f})"

rows = [
    ("commits (`git rev-list --all --count`)",
     f"{commits:,} ({int(env['REPO_MERGES']):,} merges; {env['REPO_BRANCHES']} branches, {env['REPO_TAGS']} tags)",
     f">= {target_commits:,}", mark(commits >= target_commits)),
    ("distinct blobs (total size)", f"{blobs:,} ({blob_mib:,.1f} MiB)", "", ""),
    ("files at HEAD", f"{int(env['REPO_HEAD_FILES']):,}", "", ""),
    ("repository on disk (`du` of `.git`, packed)", f"{git_mib:,.1f} MiB", "", ""),
    (f"reference `git log -p --all \\| rg -c '{env['RG_REGEX']}'`, median", t("reference"), "", ""),
    ("`leakfence history --all`, median", t("leakfence-all"), "", ""),
    ("ratio reference / leakfence", f"{ratio:.2f}x", f">= {target_ratio:g}x", mark(ratio >= target_ratio)),
    ("ratio reference / leakfence, stretch goal", f"{ratio:.2f}x", f">= {stretch:g}x",
     "met" if ratio >= stretch else "not met"),
]
if "leakfence-all-1-thread" in med:
    speedup = med["leakfence-all-1-thread"] / med["leakfence-all"]
    rows += [
        ("`leakfence history --all --threads 1`, median", t("leakfence-all-1-thread"), "", ""),
        (f"speed-up, 1 thread to {env['NPROC']}", f"{speedup:.2f}x", "", ""),
    ]
rows += [
    ("peak RSS, `leakfence history --all`", f"{lf_rss:.1f} MiB", f"<= {target_rss:g} MiB",
     mark(0 < lf_rss <= target_rss)),
    ("peak RSS, reference (largest process)", f"{ref_rss:.1f} MiB", "", ""),
    (f"`leakfence history --since-commit {env['SINCE_REV']}`, median", t("leakfence-since"),
     f"< {target_since:g} s", mark(med["leakfence-since"] < target_since)),
]

print()
print("## leakfence history benchmark")
print()
print(f"- machine: nproc {env['NPROC']}; {env['GIT_VERSION']}; {env['RG_VERSION']}; {env['HYPERFINE_VERSION']}; "
      f"{env['PY_VERSION']}; {env['LF_VERSION']} (git {env['GIT_REV']})")
print(f"- repository: `{env['REPO_DIR']}`, the Python standard library replayed as history; warm cache; "
      f"hyperfine, {env['RUNS']} runs per command after 1 warm-up; times are medians")
print()
print("| metric | value | target | status |")
print("|---|---|---|---|")
for row in rows:
    print("| " + " | ".join(row) + " |")
print()
PY
cat -- "$CHECK_TXT"
exit "$CHECK_STATUS"

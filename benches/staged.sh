#!/usr/bin/env bash
# Pre-commit benchmark: `leakfence staged` against `git diff --cached --quiet` on the same git
# repository of at least 50,000 files of real source text (the Python standard library and the
# cargo registry sources, copied until there are enough files), with 10 staged files, one of
# which holds a Twilio Auth Token made at run time. Warm cache, one hyperfine run for both
# commands, so the ratio is measured side by side on the same machine.
#
# Usage: bash benches/staged.sh [--dir DIR] [--format F] [--files N] [--runs N]
# See benches/README.md.

set -euo pipefail

# Bump when the repository layout or the copy rules change, so that old repositories are rebuilt.
readonly LAYOUT_VERSION=1
declare -rx STAGED_FILES=10
# Targets from the issue (exported for the report).
declare -rx TARGET_MS=30
declare -rx TARGET_RATIO=3.0
declare -rx STRETCH_RATIO=1.0
declare -rx WARMUP=3

DIR="${TMPDIR:-/tmp}/leakfence-bench-repo"
FORMAT=sha1-files
FILES=50000
RUNS=30

# shellcheck source=benches/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: bash benches/staged.sh [--dir DIR] [--format F] [--files N] [--runs N]

Builds (once) a git repository of at least N files of real source text under DIR, stages a
change to $STAGED_FILES of its files (one with a Twilio Auth Token), and compares
\`leakfence staged\` with \`git diff --cached --quiet\` on it, warm cache, in one hyperfine run.

Options:
  --format F     repository format: sha1-files (default) or sha256-reftable
  --dir DIR      where the repository lives (default: \${TMPDIR:-/tmp}/leakfence-bench-repo)
  --files N      minimum number of tracked files (default: 50000)
  --runs N       timed runs per command (default: 30)
  -h, --help     this help
EOF
}

parse_options --format:FORMAT --dir:DIR --files:FILES --runs:RUNS -- "$@"
set_repo_format "$FORMAT"
require_positive_int --files "$FILES"
require_positive_int --runs "$RUNS"
DIR="$(bench_dir "$(format_dir "$DIR" "$FORMAT")")"
((FILES >= STAGED_FILES)) || die "--files must be at least $STAGED_FILES"

require_commands
command -v git >/dev/null || die "git is required"
make_work_dir

# --- tools -------------------------------------------------------------------------------------

ensure_tools hyperfine:hyperfine

# --- build -------------------------------------------------------------------------------------

build_leakfence

# --- git environment ---------------------------------------------------------------------------

# Every git call here, and both timed commands, see the same isolated git: no system or global
# configuration, and none of the variables a hook or a caller may have set (GIT_DIR,
# GIT_INDEX_FILE, ...), so this machine's settings change nothing.
isolate_git
g() { git -C "$DIR" "$@"; }

# --- repository --------------------------------------------------------------------------------

find_sources
STAMP="$DIR/.leakfence-bench-stamp"
STAMP_TEXT="kind=staged$FORMAT_STAMP layout=$LAYOUT_VERSION files=$FILES stdlib=$STDLIB cargo=$CARGO_SRC sources=${SOURCES[*]}"

tracked_files() { g ls-files -z | tr -cd '\0' | wc -c; }

build_repo() {
    fresh_bench_dir "$DIR" "$STAMP" "$STAMP_TEXT"
    grow_tree "$DIR" 1 "$FILES"
    g init -q -b main "${INIT_FORMAT[@]}"
    # No automatic gc or maintenance: git commit would start one in the background, to run
    # while the benchmark times. The repository is packed once below instead.
    g config gc.auto 0
    g config maintenance.auto false
    # The stamp is written into the work tree last; keep it out of git.
    printf '/%s\n' "$(basename -- "$STAMP")" >>"$DIR/.git/info/exclude"
    say "git add -A ($COPIES copies; this takes a while)"
    g add -A
    # .gitignore files among the sources keep some files out: add copies until there are enough.
    local tracked
    tracked="$(tracked_files)"
    while ((tracked < FILES)); do
        COPIES=$((COPIES + 1))
        say "only $tracked tracked files of $FILES; adding copy $COPIES"
        add_copy "$DIR" "$COPIES"
        g add -A -- "copy-$COPIES"
        tracked="$(tracked_files)"
    done
    say "committing $tracked files"
    g -c user.name=bench -c user.email=bench@example.invalid -c commit.gpgsign=false \
        commit -q -m base
    # A repository this size is usually a clone, so its objects are packed.
    say "packing the objects (git gc)"
    g gc -q
    printf '%s\n' "$STAMP_TEXT" >"$STAMP"
}

if stamp_matches "$STAMP" "$STAMP_TEXT" && g rev-parse -q --verify 'HEAD^{commit}' >/dev/null; then
    say "reusing the benchmark repository in $DIR"
else
    say "building a git repository of >= $FILES files in $DIR from: ${SOURCES[*]}"
    build_repo
fi

# --- staged change -----------------------------------------------------------------------------

# Back to the base commit (this is the benchmark's own repository: nothing of anyone's is lost),
# then a new line at the end of STAGED_FILES tracked source files spread over the repository,
# one of them a Twilio Auth Token made now, never a literal one in this script.
say "staging a change to $STAGED_FILES files"
g reset -q --hard HEAD
MANIFEST="$WORK/staged.json"
g ls-files -z >"$WORK/ls-files"
python3 - "$DIR" "$STAGED_FILES" "$WORK/ls-files" "$MANIFEST" "$WORK/pathspec" <<'PY'
import json, os, secrets, sys

root, count, listing, manifest, pathspec = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
with open(listing, "rb") as f:
    paths = [p for p in f.read().decode("utf-8", "surrogateescape").split("\0") if p]
# Text files only, so leakfence reads every one of them; every k-th, so they are spread over
# the copies and their directories. The same files on every run.
candidates = [p for p in paths if p.endswith((".py", ".rs"))]
if len(candidates) < count:
    sys.exit(f"only {len(candidates)} tracked .py/.rs files, need {count}")
step = len(candidates) // count
chosen = [candidates[step // 2 + i * step] for i in range(count)]
planted_index = count // 2
token = secrets.token_hex(16)
for i, rel in enumerate(chosen):
    path = os.path.join(root, rel)
    with open(path, "rb") as f:
        data = f.read()
    comment = "#" if rel.endswith(".py") else "//"
    if i == planted_index:
        line = f"TWILIO_AUTH_TOKEN={token}"
    else:
        line = f"{comment} leakfence staged benchmark: edited"
    prefix = b"" if not data or data.endswith(b"\n") else b"\n"
    with open(path, "ab") as f:
        f.write(prefix + line.encode() + b"\n")
with open(pathspec, "wb") as f:
    f.write(b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in chosen))
with open(manifest, "w") as f:
    json.dump({"files": chosen, "planted": chosen[planted_index], "auth_token": token}, f)
PY
g add --pathspec-from-file="$WORK/pathspec" --pathspec-file-nul
STAGED_COUNT="$(g diff --cached --name-only -z | tr -cd '\0' | wc -c)"
((STAGED_COUNT == STAGED_FILES)) || die "expected $STAGED_FILES staged files, git shows $STAGED_COUNT"
REPO_FILES="$(tracked_files)"
INDEX_BYTES="$(stat -c %s -- "$DIR/.git/index")"

# --- sanity ------------------------------------------------------------------------------------

# Both commands exit 1 here (git: there are differences; leakfence: a blocking finding), and
# hyperfine --ignore-failure would time a command that fails at once just as well: check them.
say "checking git diff --cached --quiet and leakfence staged"
set +e
g diff --cached --quiet
GIT_STATUS=$?
set -e
((GIT_STATUS == 1)) || die "git diff --cached --quiet exited $GIT_STATUS, expected 1 (staged changes)"

FINDINGS_JSON="$WORK/findings.json"
set +e
"$LEAKFENCE" staged --repo "$DIR" --format json --show-secrets -o "$FINDINGS_JSON"
LF_STATUS=$?
set -e

# Writes what it checked to CHECK_TXT (printed under the table) and exits 1 on a failure.
CHECK_TXT="$WORK/check.txt"
set +e
MANIFEST="$MANIFEST" FINDINGS_JSON="$FINDINGS_JSON" LF_STATUS="$LF_STATUS" python3 - >"$CHECK_TXT" <<'PY'
import json, os, sys

env = os.environ
manifest = json.load(open(env["MANIFEST"]))
lf_status = int(env["LF_STATUS"])
try:
    report = json.load(open(env["FINDINGS_JSON"]))
except Exception as e:
    print(f"FAIL: cannot read leakfence's JSON report ({e}); leakfence staged exited {lf_status}")
    sys.exit(1)
findings = report.get("findings", [])
stats = report.get("stats", {})
print(f"leakfence read {stats.get('files', 0)} staged text files, {stats.get('bytes', 0):,} bytes "
      f"(skipped: {stats.get('binary_skipped', 0)} binary, {stats.get('too_large_skipped', 0)} too large; "
      f"{stats.get('errors', 0)} errors); exit status {lf_status}")
by_rule = {}
for f in findings:
    by_rule[f.get("rule")] = by_rule.get(f.get("rule"), 0) + 1
print("findings by rule: " + (", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())) or "none"))
failed = False
hits = [f for f in findings if f.get("rule") == "twilio-auth-token"
        and f.get("path") == manifest["planted"] and f.get("secret") == manifest["auth_token"]]
if hits:
    print(f"ok: the planted twilio-auth-token was found in {manifest['planted']} (line {hits[0]['line']})")
else:
    failed = True
    print(f"FAIL: the planted twilio-auth-token in {manifest['planted']} was not reported")
if lf_status != 1:
    failed = True
    print(f"FAIL: leakfence staged exited {lf_status}, expected 1 (a blocking finding)")
sys.exit(1 if failed else 0)
PY
CHECK_STATUS=$?
set -e
if ((CHECK_STATUS != 0)); then
    cat -- "$CHECK_TXT"
    echo "FAIL: \`leakfence staged --repo $DIR --format json\` did not report the planted token; not timed"
    exit 1
fi

# --- timing ------------------------------------------------------------------------------------

GIT_CMD="git -C $(q "$DIR") diff --cached --quiet"
LF_CMD="$(q "$LEAKFENCE") staged --repo $(q "$DIR") -q --format json"
HYPERFINE_JSON="$WORK/hyperfine.json"
say "timing with hyperfine: $RUNS runs per command after $WARMUP warm-up runs"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --ignore-failure --style basic \
    --export-json "$HYPERFINE_JSON" \
    -n git-diff-cached "$GIT_CMD" -n leakfence-staged "$LF_CMD" >&2

# --- report ------------------------------------------------------------------------------------

HYPERFINE_JSON="$HYPERFINE_JSON" REPO_DIR="$DIR" REPO_FILES="$REPO_FILES" MIN_FILES="$FILES" \
    INDEX_BYTES="$INDEX_BYTES" STAGED_COUNT="$STAGED_COUNT" RUNS="$RUNS" \
    NPROC="$(nproc)" GIT_VERSION="$(git --version)" LF_VERSION="$("$LEAKFENCE" --version)" \
    GIT_REV="$(source_rev)" python3 - <<'PY'
import json, os

env = os.environ
repo_files, min_files = int(env["REPO_FILES"]), int(env["MIN_FILES"])
index_bytes, staged = int(env["INDEX_BYTES"]), int(env["STAGED_COUNT"])
want_staged = int(env["STAGED_FILES"])
target_ms, target_ratio = float(env["TARGET_MS"]), float(env["TARGET_RATIO"])
stretch_ratio = float(env["STRETCH_RATIO"])

# hyperfine's "command" field holds the name given with -n.
res = {r["command"]: r for r in json.load(open(env["HYPERFINE_JSON"]))["results"]}
med = {k: r["median"] * 1000 for k, r in res.items()}
sd = {k: (r["stddev"] or 0.0) * 1000 for k, r in res.items()}
git, lf = med["git-diff-cached"], med["leakfence-staged"]
ratio = lf / git

def mark(ok):
    return "met" if ok else "**MISSED**"

rows = [
    ("repository files (tracked)", f"{repo_files:,}", f">= {min_files:,}", mark(repo_files >= min_files)),
    ("index size (`.git/index`)", f"{index_bytes:,} bytes ({index_bytes / 2**20:.1f} MiB)", "", ""),
    ("staged files", f"{staged}", f"{want_staged}", mark(staged == want_staged)),
    ("`git diff --cached --quiet`, median", f"{git:.1f} ms (sd {sd['git-diff-cached']:.1f})", "", ""),
    ("`leakfence staged`, median", f"{lf:.1f} ms (sd {sd['leakfence-staged']:.1f})",
     f"<= {target_ms:g} ms", mark(lf <= target_ms)),
    ("ratio leakfence / git", f"{ratio:.2f}x", f"<= {target_ratio:g}x", mark(ratio <= target_ratio)),
    ("ratio leakfence / git, stretch goal", f"{ratio:.2f}x", f"<= {stretch_ratio:g}x (as fast as git)",
     "met" if ratio <= stretch_ratio else "not met"),
]

print()
print("## leakfence staged benchmark")
print()
print(f"- machine: nproc {env['NPROC']}; {env['GIT_VERSION']}; {env['LF_VERSION']} (git {env['GIT_REV']})")
print(f"- repository: `{env['REPO_DIR']}`, {staged} staged files (one with a Twilio Auth Token); "
      f"warm cache; hyperfine -N, {env['RUNS']} runs per command after {env['WARMUP']} warm-up; "
      f"times are medians")
print()
print("| metric | value | target | status |")
print("|---|---|---|---|")
for row in rows:
    print("| " + " | ".join(row) + " |")
print()
PY
cat -- "$CHECK_TXT"

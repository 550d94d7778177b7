#!/usr/bin/env bash
# Many-repositories benchmark: `leakfence history --repos DIR` against a shell loop that runs
# `leakfence history --repo R` once per repository, on 200 repositories of varied sizes (prefixes
# of one replayed history, see benches/history_replay.py), plus the nightly re-scan with
# `--state` when nothing is new, and peak RSS. Warm cache, one hyperfine run for all commands.
#
# Usage: bash benches/repos.sh [--dir DIR] [--repos N] [--runs N]
# See benches/README.md.

set -euo pipefail

# Bump when the layout changes in a way the stamp does not see.
readonly LAYOUT_VERSION=1
readonly SEED=20240601
# The source history: this many commits over this many files of the Python standard library.
readonly SOURCE_COMMITS=800
readonly SOURCE_FILES=400
# Targets from the issue (exported for the report).
declare -rx TARGET_RATIO=1.5
declare -rx TARGET_RSS_MIB=400
declare -rx TARGET_RESCAN_S=2.0

DIR="${TMPDIR:-/tmp}/leakfence-bench-repos"
REPOS=200
RUNS=3

# shellcheck source=benches/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: bash benches/repos.sh [--dir DIR] [--repos N] [--runs N]

Builds (once) under DIR a history of $SOURCE_COMMITS commits over $SOURCE_FILES files of the Python
standard library (benches/history_replay.py), and N repositories holding prefixes of it of
varied length (a quarter of them bare). Checks that \`leakfence history --repos\` finds what a
loop of \`leakfence history --repo R\` finds, then times both, and the re-scan with \`--state\`
when no repository has a new commit.

Options:
  --dir DIR      where the repositories live (default: \${TMPDIR:-/tmp}/leakfence-bench-repos)
  --repos N      how many repositories (default: 200)
  --runs N       timed runs per command (default: 3)
  -h, --help     this help
EOF
}

parse_options --dir:DIR --repos:REPOS --runs:RUNS -- "$@"
require_positive_int --repos "$REPOS"
require_positive_int --runs "$RUNS"
DIR="$(bench_dir "$DIR")"

require_commands
isolate_git
make_work_dir

[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is required: apt-get install -y time"
ensure_tools hyperfine:hyperfine
build_leakfence

# --- repositories ------------------------------------------------------------------------------

find_sources
[[ -d "$STDLIB" ]] || die "the Python standard library ($STDLIB) is needed to build the history"
REPLAY="$ROOT/benches/history_replay.py"
SOURCE="$DIR/source"
FLEET="$DIR/repos"
STAMP="$DIR/.leakfence-bench-stamp"
STAMP_TEXT="kind=repos layout=$LAYOUT_VERSION repos=$REPOS commits=$SOURCE_COMMITS files=$SOURCE_FILES \
seed=$SEED stdlib=$STDLIB replay=$(sha256sum -- "$REPLAY" | cut -c1-16)"

build_fleet() {
    fresh_bench_dir "$DIR" "$STAMP" "$STAMP_TEXT"
    git init -q -b main "$SOURCE"
    git -C "$SOURCE" config gc.auto 0
    # Every 12th file of the library: varied text, small enough for 200 repositories.
    list_source_files python-stdlib | python3 -c '
import sys
names = sys.stdin.buffer.read().split(b"\0")
sys.stdout.buffer.write(b"".join(n + b"\0" for n in names[::12] if n))
' | head -z -n "$SOURCE_FILES" >"$WORK/files"
    say "replaying $SOURCE_FILES files of $STDLIB as $SOURCE_COMMITS commits"
    python3 "$REPLAY" --repo "$SOURCE" --root "$STDLIB" --files "$WORK/files" \
        --commits "$SOURCE_COMMITS" --seed "$SEED" --manifest "$WORK/manifest.json"
    git -C "$SOURCE" gc -q
    mapfile -t CHAIN < <(git -C "$SOURCE" rev-list --first-parent --reverse main)
    local count=${#CHAIN[@]} i depth name
    say "making $REPOS repositories from prefixes of its $count first-parent commits"
    mkdir -p -- "$FLEET"
    for ((i = 0; i < REPOS; i++)); do
        # Quadratic spread: many small repositories, a few with (nearly) the whole history.
        depth=$((5 + (count - 5) * i * i / ((REPOS - 1) * (REPOS - 1) + 1)))
        git -C "$SOURCE" update-ref "refs/prefix/$i" "${CHAIN[depth - 1]}"
        if ((i % 4 == 3)); then
            name="$(printf 'r%03d.git' "$i")"
            git init -q --bare -b main "$FLEET/$name"
        else
            name="$(printf 'r%03d' "$i")"
            git init -q -b main "$FLEET/$name"
        fi
        git -C "$FLEET/$name" fetch -q --update-head-ok "$SOURCE" "refs/prefix/$i:refs/heads/main"
    done
    printf '%s\n' "$STAMP_TEXT" >"$STAMP"
}

if stamp_matches "$STAMP" "$STAMP_TEXT" && [[ -d "$FLEET" ]]; then
    say "reusing the repositories in $FLEET"
else
    build_fleet
fi
FLEET_COMMITS=0
for repo in "$FLEET"/*; do
    FLEET_COMMITS=$((FLEET_COMMITS + $(git -C "$repo" rev-list --count HEAD)))
done
FLEET_MIB="$(du -sm -- "$FLEET" | cut -f1)"

# --- commands ----------------------------------------------------------------------------------

STATE="$WORK/state.json"
LF_REPOS_CMD="$(q "$LEAKFENCE") history --repos $(q "$FLEET") -q --format json"
LF_LOOP_CMD="for r in $(q "$FLEET")/*; do $(q "$LEAKFENCE") history --repo \"\$r\" -q --format json; done"
LF_STATE_CMD="$LF_REPOS_CMD --state $(q "$STATE")"

# --- check -------------------------------------------------------------------------------------

say "checking that one run finds what the loop finds (and warming the cache)"
set +e
"$LEAKFENCE" history --repos "$FLEET" -q --format json --show-secrets -o "$WORK/repos.json"
REPOS_STATUS=$?
mkdir -p -- "$WORK/loop"
for repo in "$FLEET"/*; do
    "$LEAKFENCE" history --repo "$repo" -q --format json --show-secrets \
        -o "$WORK/loop/$(basename -- "$repo").json"
done
# The first --state run records every tip; the timed ones find nothing new.
"$LEAKFENCE" history --repos "$FLEET" -q --format json --state "$STATE" >/dev/null
"$LEAKFENCE" history --repos "$FLEET" -q --format json --state "$STATE" -o "$WORK/rescan.json"
set -e
((REPOS_STATUS == 1)) || die "leakfence history --repos exited $REPOS_STATUS, expected 1 (findings)"
WORK="$WORK" python3 - <<'PY' || die "the --repos run and the loop disagree"
import json, os, glob, sys
work = os.environ["WORK"]
one = json.load(open(f"{work}/repos.json"))
places = {(f["repository"], f["path"], f["line"], f["commit"], f["secret"]) for f in one["findings"]}
loop = set()
commits = 0
for path in glob.glob(f"{work}/loop/*.json"):
    name = os.path.basename(path)[: -len(".json")]
    doc = json.load(open(path))
    commits += doc["stats"]["commits"]
    loop |= {(name, f["path"], f["line"], f["commit"], f["secret"]) for f in doc["findings"]}
rescan = json.load(open(f"{work}/rescan.json"))
print(f"--repos: {len(places)} findings in {one['stats']['commits']} commits; "
      f"loop: {len(loop)} findings in {commits} commits; "
      f"re-scan: {rescan['stats']['commits']} commits", file=sys.stderr)
ok = places == loop and one["stats"]["commits"] == commits and rescan["stats"]["commits"] == 0
sys.exit(0 if ok else 1)
PY

# --- timing ------------------------------------------------------------------------------------

say "timing with hyperfine: $RUNS runs per command after 1 warm-up run"
HYPERFINE_JSON="$WORK/hyperfine.json"
hyperfine --shell=bash --warmup 1 --runs "$RUNS" --ignore-failure --style basic \
    --export-json "$HYPERFINE_JSON" --output=null \
    -n loop "$LF_LOOP_CMD" -n repos "$LF_REPOS_CMD" -n rescan "$LF_STATE_CMD" >&2

say "measuring peak RSS with /usr/bin/time"
LF_RSS_KIB="$(peak_rss_kib "$LEAKFENCE" history --repos "$FLEET" -q --format json)"

# --- report ------------------------------------------------------------------------------------

HYPERFINE_JSON="$HYPERFINE_JSON" FLEET="$FLEET" REPOS="$REPOS" RUNS="$RUNS" NPROC="$(nproc)" \
    FLEET_COMMITS="$FLEET_COMMITS" FLEET_MIB="$FLEET_MIB" LF_RSS_KIB="$LF_RSS_KIB" \
    GIT_VERSION="$(git --version)" HYPERFINE_VERSION="$(hyperfine --version)" \
    LF_VERSION="$("$LEAKFENCE" --version)" GIT_REV="$(source_rev)" python3 - <<'PY'
import json, os

env = os.environ
med = {r["command"]: r["median"] for r in json.load(open(env["HYPERFINE_JSON"]))["results"]}
ratio = med["loop"] / med["repos"]
rss = int(env["LF_RSS_KIB"]) / 1024 if env["LF_RSS_KIB"].isdigit() else float("nan")
target_ratio, target_rss = float(env["TARGET_RATIO"]), float(env["TARGET_RSS_MIB"])
target_rescan = float(env["TARGET_RESCAN_S"])

def mark(ok):
    return "met" if ok else "**MISSED**"

rows = [
    ("repositories (a quarter bare)", f"{env['REPOS']} ({int(env['FLEET_COMMITS']):,} commits in all, "
     f"{env['FLEET_MIB']} MiB on disk)", "", ""),
    ("loop of `leakfence history --repo R`, median", f"{med['loop']:.2f} s", "", ""),
    ("`leakfence history --repos DIR`, median", f"{med['repos']:.2f} s", "", ""),
    ("ratio loop / --repos", f"{ratio:.2f}x", f">= {target_ratio:g}x", mark(ratio >= target_ratio)),
    ("peak RSS, `--repos`", f"{rss:.1f} MiB", f"<= {target_rss:g} MiB", mark(0 < rss <= target_rss)),
    ("re-scan with `--state`, nothing new, median", f"{med['rescan']:.2f} s", f"<= {target_rescan:g} s",
     mark(med["rescan"] <= target_rescan)),
]
print()
print("## leakfence multi-repository benchmark")
print()
print(f"- machine: nproc {env['NPROC']}; {env['GIT_VERSION']}; {env['HYPERFINE_VERSION']}; "
      f"{env['LF_VERSION']} (git {env['GIT_REV']})")
print(f"- repositories: `{env['FLEET']}`; warm cache; hyperfine, {env['RUNS']} runs per command "
      "after 1 warm-up; times are medians")
print()
print("| metric | value | target | status |")
print("|---|---|---|---|")
for row in rows:
    print("| " + " | ".join(row) + " |")
print()
PY

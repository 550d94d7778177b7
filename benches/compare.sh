#!/usr/bin/env bash
# Before/after benchmark for refactors: the current leakfence against a previous build, on the
# trees that benches/scan.sh and benches/history.sh built, in one hyperfine run per job (so the
# ratio is measured side by side), and a byte-for-byte comparison of their JSON and SARIF output.
#
# Usage: bash benches/compare.sh --previous REV [--tree DIR] [--repo DIR] [--runs N]
# See benches/README.md.

set -euo pipefail

TREE="${TMPDIR:-/tmp}/leakfence-bench-tree"
REPO="${TMPDIR:-/tmp}/leakfence-bench-history"
PREVIOUS=""
RUNS=5

# shellcheck source=benches/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: bash benches/compare.sh --previous REV [--tree DIR] [--repo DIR] [--runs N]

Builds the previous version (git revision REV of this checkout, in a temporary worktree) and
the current one, then times both on the scan tree and on the history repository in the same
hyperfine run, and checks that their JSON and SARIF reports are identical (durations aside).
Run benches/scan.sh and benches/history.sh once first: they build the tree and the repository.

Options:
  --previous REV  the version to compare with (a commit, tag or branch; required)
  --tree DIR      the scan tree (default: \${TMPDIR:-/tmp}/leakfence-bench-tree)
  --repo DIR      the history repository (default: \${TMPDIR:-/tmp}/leakfence-bench-history)
  --runs N        timed runs per command (default: 5)
  -h, --help      this help
EOF
}

parse_options --previous:PREVIOUS --tree:TREE --repo:REPO --runs:RUNS -- "$@"
[[ -n "$PREVIOUS" ]] || {
    usage >&2
    die "--previous is required"
}
require_positive_int --runs "$RUNS"
[[ -d "$TREE" ]] || die "no scan tree at $TREE: run bash benches/scan.sh first"
git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 ||
    die "no history repository at $REPO: run bash benches/history.sh first"

require_commands
make_work_dir
ensure_tools hyperfine:hyperfine

build_leakfence
CURRENT="$LEAKFENCE"

say "building the previous version ($PREVIOUS) in a temporary worktree"
PREV_SRC="$WORK/previous-src"
git -C "$ROOT" worktree add --detach --quiet "$PREV_SRC" "$PREVIOUS"
trap 'git -C "$ROOT" worktree remove --force "$PREV_SRC" >/dev/null 2>&1 || true' EXIT
(cd -- "$PREV_SRC" && CARGO_TARGET_DIR="$WORK/previous-target" cargo build --release --quiet) ||
    die "cannot build $PREVIOUS"
PREV="$WORK/leakfence-previous"
cp -- "$WORK/previous-target/release/leakfence" "$PREV"

# --- identical output --------------------------------------------------------------------------

# Drops what differs from run to run by design: durations and the run's own timestamps.
normalize() {
    python3 - "$1" <<'PY'
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
text = re.sub(r'"(seconds|startTimeUtc|endTimeUtc|duration_seconds)": *[^,}\n]+', r'"\1": 0', text)
sys.stdout.write(text)
PY
}

say "comparing reports (json, sarif) of both versions"
differences=0
for job in scan history; do
    for format in json sarif; do
        for version in current previous; do
            bin="$CURRENT"
            [[ "$version" == previous ]] && bin="$PREV"
            out="$WORK/$job.$version.$format"
            set +e
            if [[ "$job" == scan ]]; then
                "$bin" scan "$TREE" -q --format "$format" -o "$out.raw"
            else
                "$bin" history --repo "$REPO" --all -q --format "$format" -o "$out.raw"
            fi
            status=$?
            set -e
            ((status <= 1)) || die "$version $job --format $format exited $status"
            normalize "$out.raw" >"$out"
        done
        if cmp -s "$WORK/$job.current.$format" "$WORK/$job.previous.$format"; then
            printf '%-8s %-6s identical (%s bytes)\n' "$job" "$format" \
                "$(wc -c <"$WORK/$job.current.$format")"
        else
            printf '%-8s %-6s DIFFERENT:\n' "$job" "$format"
            diff "$WORK/$job.previous.$format" "$WORK/$job.current.$format" | head -20 || true
            differences=$((differences + 1))
        fi
    done
done

# --- timing ------------------------------------------------------------------------------------

say "timing with hyperfine: $RUNS runs per command after 1 warm-up run"
SCAN_ARGS="scan $(q "$TREE") -q --format json"
HISTORY_ARGS="history --repo $(q "$REPO") --all -q --format json"
for job in scan history; do
    args="$SCAN_ARGS"
    [[ "$job" == history ]] && args="$HISTORY_ARGS"
    hyperfine --shell=bash --warmup 1 --runs "$RUNS" --ignore-failure --style basic \
        --export-json "$WORK/$job.json" \
        -n "$job-previous" "$(q "$PREV") $args" \
        -n "$job-current" "$(q "$CURRENT") $args" >&2
    python3 - "$WORK/$job.json" "$job" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
job = sys.argv[2]
before, after = results[f"{job}-previous"]["mean"], results[f"{job}-current"]["mean"]
print(f"{job:8} previous {before:.3f} s  current {after:.3f} s  current/previous {after / before:.3f}")
PY
done

((differences == 0)) || die "$differences report(s) differ"

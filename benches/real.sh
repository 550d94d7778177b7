#!/usr/bin/env bash
# Precision on real text: a git repository whose commits are released versions of Twilio's own
# SDKs, one commit per version, scanned with `leakfence history --all`: twilio-python sdists
# from PyPI (4.x to 6.0.0 carry tests/ and their fixtures), twilio-node tarballs from npm, and
# @twilio/cli-core tarballs from npm, which bundle Twilio's OpenAPI definitions (twilio-oai)
# whose examples are the fixtures of the SDKs' generated tests. Every blocking finding is listed
# with its path, line and redacted value; the script fails when one is on a test fixture or an
# API definition's example: published SDK sources hold no live credential.
#
# Usage: bash benches/real.sh [--dir DIR] [--leakfence BIN]
# See benches/README.md.

set -euo pipefail

# Bump when the repository layout changes in a way the stamp does not see.
readonly LAYOUT_VERSION=1

# Released versions, about a decade of them (the twilio-python sdists of 4.x to 6.0.0 carry
# tests/; @twilio/cli-core bundles the OpenAPI definitions).
readonly PYTHON_VERSIONS=(
    3.6.15 4.0.0 4.4.0 4.10.0 5.0.0 5.4.0 5.7.0 6.0.0 6.5.0 6.10.0 6.20.0 6.30.0 6.40.0
    6.50.0 6.63.2 7.0.0 7.10.0 7.17.0 8.0.0 8.5.0 8.13.0 9.0.5 9.5.0 9.13.0
)
readonly NODE_VERSIONS=(1.11.1 2.11.1 3.0.0 3.20.0 3.50.0 3.84.1 4.0.0 4.23.0 5.0.0 5.13.1)
readonly CLI_CORE_VERSIONS=(
    1.0.0 2.0.0 3.0.0 4.0.0 4.6.0 5.0.0 5.10.0 5.20.0 5.33.0 6.4.0 7.0.0 7.17.0 7.27.2 8.3.2 9.0.0
)

DIR="${TMPDIR:-/tmp}/leakfence-bench-real"
BIN=""

# shellcheck source=benches/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: bash benches/real.sh [--dir DIR] [--leakfence BIN]

Builds (once, cached in DIR) a git repository whose commits are released versions of
twilio-python (${#PYTHON_VERSIONS[@]}, \`pip download --no-deps --no-binary :all:\`), twilio-node
(${#NODE_VERSIONS[@]}, \`npm pack\`) and @twilio/cli-core (${#CLI_CORE_VERSIONS[@]}, \`npm pack\`; it
bundles Twilio's OpenAPI definitions), in release order, then runs \`leakfence history --all
--format json\` on it and lists every blocking finding. Exits 1 when a blocking finding is on
a test fixture or an API definition's example, 0 otherwise.

Options:
  --dir DIR        where the downloads and the repository live
                   (default: \${TMPDIR:-/tmp}/leakfence-bench-real)
  --leakfence BIN  scan with this binary instead of building the current checkout
  -h, --help       this help
EOF
}

parse_options --dir:DIR --leakfence:BIN -- "$@"
DIR="$(bench_dir "$DIR")"

require_commands
isolate_git
make_work_dir
command -v pip >/dev/null || command -v pip3 >/dev/null || die "pip is required"
command -v npm >/dev/null || die "npm is required"
PIP="$(command -v pip || command -v pip3)"

if [[ -n "$BIN" ]]; then
    [[ -x "$BIN" ]] || die "--leakfence $BIN is not an executable"
    LEAKFENCE="$(realpath -- "$BIN")"
else
    build_leakfence
fi

# --- downloads ---------------------------------------------------------------------------------

DOWNLOADS="$DIR/downloads"
mkdir -p -- "$DOWNLOADS"

fetch_python() {
    local v="$1" file="$DOWNLOADS/twilio-$1.tar.gz"
    [[ -s "$file" ]] && return 0
    say "pip download twilio==$v (sdist)"
    "$PIP" download --quiet --no-deps --no-binary :all: "twilio==$v" -d "$WORK/pip" >&2 ||
        die "pip download twilio==$v failed"
    mv -- "$WORK/pip/twilio-$v.tar.gz" "$file"
}

# fetch_npm PACKAGE VERSION NAME: `npm pack PACKAGE@VERSION`, kept as DOWNLOADS/NAME-VERSION.tgz.
fetch_npm() {
    local package="$1" v="$2" file="$DOWNLOADS/$3-$2.tgz"
    [[ -s "$file" ]] && return 0
    say "npm pack $package@$v"
    rm -rf -- "$WORK/npm"
    mkdir -p -- "$WORK/npm"
    (cd -- "$WORK/npm" && npm pack --silent "$package@$v" >/dev/null) ||
        die "npm pack $package@$v failed"
    mv -- "$WORK"/npm/*.tgz "$file"
}

for v in "${PYTHON_VERSIONS[@]}"; do fetch_python "$v"; done
for v in "${NODE_VERSIONS[@]}"; do fetch_npm twilio "$v" twilio-node; done
for v in "${CLI_CORE_VERSIONS[@]}"; do fetch_npm @twilio/cli-core "$v" twilio-cli-core; done

# --- repository --------------------------------------------------------------------------------

REPO="$DIR/repo"
STAMP="$DIR/stamp"
STAMP_TEXT="layout=$LAYOUT_VERSION python=${PYTHON_VERSIONS[*]} node=${NODE_VERSIONS[*]}"
STAMP_TEXT+=" cli-core=${CLI_CORE_VERSIONS[*]}"

build_repo() {
    say "building $REPO: one commit per released version"
    rm -rf -- "$REPO"
    mkdir -p -- "$REPO"
    printf 'incomplete %s\n' "$STAMP_TEXT" >"$STAMP"
    git -C "$REPO" init --quiet -b main
    git -C "$REPO" config gc.auto 0
    # Release order: the newest file in each archive stands for its release date (`npm view
    # twilio time` was no help: on the registry mirror this was written with, those times are
    # not the release dates).
    local plan="$WORK/plan.tsv"
    DOWNLOADS="$DOWNLOADS" python3 - twilio-python "${PYTHON_VERSIONS[@]}" \
        twilio-node "${NODE_VERSIONS[@]}" twilio-cli-core "${CLI_CORE_VERSIONS[@]}" \
        >"$plan" <<'PY'
import os, sys, tarfile
rows, kind = [], None
for arg in sys.argv[1:]:
    if not arg[0].isdigit():
        kind = arg
        continue
    name = f"twilio-{arg}.tar.gz" if kind == "twilio-python" else f"{kind}-{arg}.tgz"
    path = os.path.join(os.environ["DOWNLOADS"], name)
    with tarfile.open(path) as tar:
        stamp = max(m.mtime for m in tar.getmembers())
    # Newer npm tarballs date every file 1985-10-26: those keep their order, after the others.
    rows.append((stamp if stamp > 500_000_000 else None, kind, arg, path))
dated = sorted((r for r in rows if r[0]), key=lambda r: r[0])
last = dated[-1][0] if dated else 1_700_000_000
undated = [(last + 86400 * (i + 1), *r[1:]) for i, r in enumerate(r for r in rows if not r[0])]
for stamp, kind, v, path in dated + undated:
    print(f"{stamp}\t{kind}\t{v}\t{path}")
PY
    local stamp kind v path
    while IFS=$'\t' read -r stamp kind v path; do
        rm -rf -- "${REPO:?}/$kind"
        mkdir -p -- "$REPO/$kind"
        tar -C "$REPO/$kind" --strip-components=1 --no-same-owner --warning=no-unknown-keyword \
            -xzf "$path"
        git -C "$REPO" add -A
        GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid \
            GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid \
            GIT_AUTHOR_DATE="@$stamp +0000" GIT_COMMITTER_DATE="@$stamp +0000" \
            git -C "$REPO" -c commit.gpgsign=false commit --quiet --allow-empty \
            -m "$kind $v"
        git -C "$REPO" tag "$kind-$v"
    done <"$plan"
    git -C "$REPO" gc --quiet
    printf '%s\n' "$STAMP_TEXT" >"$STAMP"
}

if stamp_matches "$STAMP" "$STAMP_TEXT" && git -C "$REPO" rev-parse --verify -q HEAD >/dev/null; then
    say "reusing $REPO ($(git -C "$REPO" rev-list --all --count) commits)"
else
    build_repo
fi

# --- scan --------------------------------------------------------------------------------------

say "leakfence history --all on $REPO"
REPORT="$WORK/report.json"
set +e
"$LEAKFENCE" history --all --repo "$REPO" --format json -q -o "$REPORT"
STATUS=$?
set -e
((STATUS <= 1)) || die "leakfence history exited $STATUS"

REPORT="$REPORT" REPO="$REPO" STATUS="$STATUS" LF_VERSION="$("$LEAKFENCE" --version)" \
    python3 - <<'PY'
import json, os, re, subprocess, sys

env = os.environ
report = json.load(open(env["REPORT"]))
findings = report["findings"]
stats = report.get("stats", {})
blocking = [f for f in findings if f.get("blocking")]

# What a path is: a test fixture (under a test folder or named like a test), an API
# definition (Twilio's OpenAPI files, whose examples are placeholders), documentation, or code.
TEST = re.compile(r"(^|/)(tests?|spec|specs|__tests__|fixtures?|testdata|mocks?|holodeck)(/|$)"
                  r"|(^|/)test_[^/]*$|_test\.[^/]*$|\.(spec|test)\.[^/]*$")
API_DEFINITION = re.compile(r"(^|/)(twilio-api|twilio-oai)/|(^|/)twilio_[a-z_]+_v[0-9]+\.(json|ya?ml)$")
DOCS = re.compile(r"\.(md|rst|txt)$|(^|/)(docs?|examples?)/", re.I)

def kind(path):
    if TEST.search(path):
        return "test fixture"
    if API_DEFINITION.search(path):
        return "API definition"
    if DOCS.search(path):
        return "documentation"
    return "code"

FAILING = {"test fixture", "API definition"}

def git(*args):
    return subprocess.run(["git", "-C", env["REPO"], *args], capture_output=True).stdout

def line_of(f):
    if not f.get("commit"):
        return ""
    blob = git("show", f"{f['commit']}:{f['path']}").decode(errors="replace").split("\n")
    n = f["line"] - 1
    return blob[n].strip() if 0 <= n < len(blob) else ""

def redacted(text):
    """The line with every run of 26 or more letters and digits cut to its first four."""
    text = re.sub(r"(?<![A-Za-z0-9])([A-Za-z0-9]{4})[A-Za-z0-9]{22,}(?![A-Za-z0-9])",
                  lambda m: m.group(1) + "…", text)
    return text[:120] + ("…" if len(text) > 120 else "")

by_rule = {}
for f in findings:
    key = (f["rule"], "blocking" if f.get("blocking") else "not blocking")
    by_rule[key] = by_rule.get(key, 0) + 1
groups = {}
for f in blocking:
    groups.setdefault((f["path"], f["secret"], f["rule"]), []).append(f)
failing = [f for f in blocking if kind(f["path"]) in FAILING]
kinds = {}
for f in blocking:
    kinds[kind(f["path"])] = kinds.get(kind(f["path"]), 0) + 1

print(f"- leakfence: {env['LF_VERSION']}")
print(f"- repository: `{env['REPO']}`: {stats.get('commits', 0)} commits, {stats.get('blobs', 0)} "
      f"blobs, {stats.get('bytes', 0) / 2**20:.1f} MiB in {stats.get('files', 0)} text blobs; "
      f"exit status {env['STATUS']}")
print("- findings: " + (", ".join(f"{r} ({b}) {n}" for (r, b), n in sorted(by_rule.items()))
                        or "none"))
print(f"- blocking: {len(blocking)} findings of {len(groups)} distinct (path, value, rule)"
      + (": " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) if kinds else ""))
if groups:
    print()
    print("| rule | path:line (first) | findings | value | kind | line |")
    print("|---|---|---|---|---|---|")
for (path, _secret, rule), fs in groups.items():
    first = min(fs, key=lambda f: f["line"])
    line = redacted(line_of(first)).replace("|", "\\|").replace("`", "'")
    print(f"| {rule} | `{path}:{first['line']}` | {len(fs)} | `{first['secret']}` | "
          f"{kind(path)} | `{line}` |")
print()
if failing:
    print(f"FAIL: {len(failing)} blocking findings on test fixtures or API definitions")
    sys.exit(1)
print("ok: no blocking finding on a test fixture or an API definition")
PY

# shellcheck shell=bash
# Shared code of the benchmark scripts (benches/scan.sh, benches/staged.sh, benches/history.sh).
# Source it after `set -euo pipefail`; it only defines functions and ROOT, and runs nothing else.
#
# What is here: messages (say/warn/die), option parsing and checks, installing missing tools
# with apt-get, an isolated git environment, peak RSS with GNU time, building the release
# binary and finding it with cargo metadata, listing and copying real source text (the Python
# standard library and the cargo registry sources) into a benchmark directory guarded by a
# stamp file.

# The leakfence repository: this file lives in its benches/ folder.
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"

# --- messages ----------------------------------------------------------------------------------

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 2
}

# Quotes one word for a shell (and for hyperfine's own word splitting with -N).
q() { printf '%q' "$1"; }

# --- options -----------------------------------------------------------------------------------

# parse_options --name:VAR ... -- "$@"
# Reads `--name VALUE` and `--name=VALUE` for each --name:VAR pair into the variable VAR.
# -h/--help calls the script's usage function and exits 0; anything else is an error (usage on
# stderr, exit 2).
parse_options() {
    local _spec=() _arg _name _value _var _pair _inline
    while (($# > 0)) && [[ "$1" != -- ]]; do
        _spec+=("$1")
        shift
    done
    (($# > 0)) && shift
    while (($# > 0)); do
        _arg="$1"
        _inline=0
        case "$_arg" in
            -h | --help)
                usage
                exit 0
                ;;
            --*=*)
                _name="${_arg%%=*}"
                _value="${_arg#*=}"
                _inline=1
                ;;
            *) _name="$_arg" ;;
        esac
        _var=""
        for _pair in "${_spec[@]}"; do
            if [[ "${_pair%%:*}" == "$_name" ]]; then
                _var="${_pair#*:}"
            fi
        done
        if [[ -z "$_var" ]]; then
            usage >&2
            die "unknown argument: $_arg"
        fi
        if ((_inline)); then
            shift
        else
            (($# >= 2)) || die "$_name needs a value"
            _value="$2"
            shift 2
        fi
        printf -v "$_var" '%s' "$_value"
    done
}

is_positive_int() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }

# require_positive_int OPTION VALUE
require_positive_int() {
    is_positive_int "$2" || die "$1 must be a positive integer, not '$2'"
}

# bench_dir DIR: prints DIR as an absolute path; refuses an empty value, / and $HOME.
# Sets INIT_FORMAT to the `git init` options of the repository format named with `--format`
# (sha1-files, git's default so far, or sha256-reftable, Git 3.0's announced defaults), and
# FORMAT_STAMP to what a stamp records of it (nothing for sha1-files, so that repositories
# built before the option existed are still reused).
set_repo_format() {
    case "$1" in
        sha1-files) INIT_FORMAT=(--object-format=sha1 --ref-format=files) FORMAT_STAMP="" ;;
        sha256-reftable)
            INIT_FORMAT=(--object-format=sha256 --ref-format=reftable)
            FORMAT_STAMP=" format=$1"
            ;;
        *) die "unknown --format '$1' (sha1-files or sha256-reftable)" ;;
    esac
}

# The default directory of a benchmark repository in format $2: $1, with the format appended
# unless it is sha1-files (so that both formats can be kept side by side).
format_dir() {
    if [[ "$2" == sha1-files ]]; then
        printf '%s\n' "$1"
    else
        printf '%s-%s\n' "$1" "$2"
    fi
}

bench_dir() {
    local dir="$1"
    [[ -n "$dir" ]] || die "--dir must not be empty"
    case "$dir" in
        /) die "refusing to use / as the benchmark directory" ;;
    esac
    dir="$(realpath -m -- "$dir")"
    [[ "$dir" != "/" && "$dir" != "$HOME" ]] || die "refusing to use $dir as the benchmark directory"
    printf '%s\n' "$dir"
}

# make_work_dir: a scratch directory in $WORK, removed when the script exits.
make_work_dir() {
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/leakfence-bench.XXXXXX")"
    # shellcheck disable=SC2064 # expand now: WORK is fixed from here on
    trap "rm -rf -- $(q "$WORK")" EXIT
}

# --- tools -------------------------------------------------------------------------------------

# require_commands: what every benchmark needs and cannot install itself.
require_commands() {
    [[ -f "$ROOT/Cargo.toml" ]] || die "cannot find the repository root (no Cargo.toml in $ROOT)"
    command -v python3 >/dev/null || die "python3 is required"
    command -v cargo >/dev/null || die "cargo is required"
}

# ensure_tools PACKAGE:COMMAND ...
# Installs, with apt-get, the Debian packages whose command is missing (apt-get update first
# only if the install fails), with sudo when not root.
ensure_tools() {
    local pair missing=() commands=()
    for pair in "$@"; do
        commands+=("${pair#*:}")
        command -v "${pair#*:}" >/dev/null || missing+=("${pair%%:*}")
    done
    ((${#missing[@]} == 0)) && return 0
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "missing ${missing[*]}; install them (apt-get install -y ${missing[*]})"
        sudo=(sudo)
    fi
    say "installing ${missing[*]} with apt-get"
    if ! "${sudo[@]}" apt-get install -y "${missing[@]}" >&2; then
        "${sudo[@]}" apt-get update >&2 || die "apt-get update failed"
        "${sudo[@]}" apt-get install -y "${missing[@]}" >&2 || die "cannot install ${missing[*]}"
    fi
    local cmd
    for cmd in "${commands[@]}"; do
        command -v "$cmd" >/dev/null || die "$cmd still missing after apt-get install ${missing[*]}"
    done
}

# isolate_git: every later git call (and every command the script times) sees an isolated git:
# no system or global configuration, and none of the repository variables a hook or a caller
# may have set (GIT_DIR, GIT_INDEX_FILE, ...), so the machine's settings change nothing.
isolate_git() {
    command -v git >/dev/null || die "git is required"
    # shellcheck disable=SC2046 # one variable name per word
    unset $(git rev-parse --local-env-vars)
    export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
}

# peak_rss_kib COMMAND...: runs COMMAND once (output discarded, exit status ignored) under GNU
# time and prints its peak resident set size in KiB. Needs make_work_dir first.
peak_rss_kib() {
    local out="$WORK/rss.txt"
    [[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is required: apt-get install -y time"
    /usr/bin/time -f %M -o "$out" "$@" >/dev/null || true
    tail -n1 -- "$out"
}

# --- build -------------------------------------------------------------------------------------

# How often a failed build is retried, and how long to wait before each retry: someone may be
# editing src/ at the same time, and a half-written file fails the build for a moment.
: "${BENCH_BUILD_RETRIES:=3}"
: "${BENCH_BUILD_RETRY_WAIT:=60}"

# build_leakfence: `cargo build --release` in ROOT, then sets LEAKFENCE to a copy of the binary
# in WORK (found through cargo metadata's target directory), so that a rebuild by someone else
# during the benchmark does not change what is timed. Needs make_work_dir first.
build_leakfence() {
    local attempt=0
    say "building leakfence (cargo build --release) in $ROOT"
    until (cd -- "$ROOT" && cargo build --release --quiet); do
        attempt=$((attempt + 1))
        ((attempt <= BENCH_BUILD_RETRIES)) || die "cargo build --release failed"
        warn "cargo build --release failed; retry $attempt of $BENCH_BUILD_RETRIES in ${BENCH_BUILD_RETRY_WAIT}s"
        sleep "$BENCH_BUILD_RETRY_WAIT"
    done
    local target_dir
    target_dir="$(cd -- "$ROOT" && cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
    local built="$target_dir/release/leakfence"
    [[ -x "$built" ]] || die "no binary at $built after the build"
    LEAKFENCE="$WORK/leakfence"
    cp -- "$built" "$LEAKFENCE"
}

# source_rev: the short commit of ROOT, with +dirty when tracked files are modified.
source_rev() {
    local rev
    rev="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
        rev="$rev+dirty"
    fi
    printf '%s\n' "$rev"
}

# --- source text -------------------------------------------------------------------------------

# find_sources: sets STDLIB, CARGO_SRC and SOURCES (the names of those that exist).
find_sources() {
    STDLIB="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
    CARGO_SRC="${CARGO_HOME:-$HOME/.cargo}/registry/src"
    SOURCES=()
    if [[ -d "$STDLIB" ]]; then SOURCES+=(python-stdlib); else warn "no Python standard library at $STDLIB"; fi
    if [[ -d "$CARGO_SRC" ]]; then SOURCES+=(cargo-registry); else warn "no cargo registry sources at $CARGO_SRC"; fi
    ((${#SOURCES[@]} > 0)) || die "no source text to copy (neither $STDLIB nor $CARGO_SRC exists)"
}

# Prints "<bytes> <files>" for the regular files under a directory (symbolic links not followed).
tree_stats() {
    python3 - "$1" <<'PY'
import os, stat, sys
total = files = 0
for top, dirs, names in os.walk(sys.argv[1]):
    for name in names:
        try:
            st = os.lstat(os.path.join(top, name))
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            total += st.st_size
            files += 1
print(total, files)
PY
}

# source_root NAME: prints the directory of a source (python-stdlib or cargo-registry).
source_root() {
    case "$1" in
        python-stdlib) printf '%s\n' "$STDLIB" ;;
        cargo-registry) printf '%s\n' "$CARGO_SRC" ;;
        *) die "unknown source $1" ;;
    esac
}

# list_source_files NAME: the regular files of one source that the benchmarks use, as paths
# relative to its root (each starting with ./), NUL-separated, in find's order. Compiled
# artefacts (not source text) are left out, and for Python byte code and third-party packages
# (they differ between machines).
list_source_files() {
    local src
    src="$(source_root "$1")" || exit 2
    (
        cd -- "$src" || exit
        find . \( -name __pycache__ -o -name site-packages -o -name dist-packages \
            -o -path ./lib-dynload -o -path './config-*' \) -prune \
            -o -type f ! -name '*.pyc' ! -name '*.so' ! -name '*.so.*' ! -name '*.a' ! -name '*.o' \
            ! -name '*.whl' ! -name '*.exe' ! -name '*.dll' -print0
    )
}

# copy_source NAME DEST: copies the files list_source_files lists into DEST.
copy_source() {
    local name="$1" dest="$2" src
    src="$(source_root "$name")" || exit 2
    mkdir -p -- "$dest"
    list_source_files "$name" | tar -C "$src" --null -T - -cf - | tar -C "$dest" -xf - --no-same-owner
}

# add_copy DIR N: one whole copy of every source, as DIR/copy-N/<source>/.
add_copy() {
    local source
    for source in "${SOURCES[@]}"; do
        copy_source "$source" "$1/copy-$2/$source"
    done
}

# stamp_matches STAMP TEXT: whether the stamp file holds exactly TEXT.
stamp_matches() {
    [[ -f "$1" && "$(cat -- "$1")" == "$2" ]]
}

# fresh_bench_dir DIR STAMP TEXT: empties DIR for a rebuild. An existing DIR is removed only
# when it holds a stamp (it is an old benchmark directory) or is empty; anything else is
# refused. The new DIR gets a stamp "incomplete TEXT" at once, so that a build cut short is
# still known as a benchmark directory (and rebuilt); the caller writes TEXT when it is done.
fresh_bench_dir() {
    local dir="$1" stamp="$2" text="$3"
    if [[ -e "$dir" ]]; then
        if [[ -f "$stamp" ]]; then
            say "removing the old benchmark tree $dir ($(head -n1 -- "$stamp"))"
        elif [[ -n "$(ls -A -- "$dir")" ]]; then
            die "$dir exists, is not empty and is not a benchmark tree (no stamp); choose another --dir"
        fi
        rm -rf -- "$dir"
    fi
    mkdir -p -- "$dir"
    printf 'incomplete %s\n' "$text" >"$stamp"
}

# grow_tree DIR MIN_BYTES MIN_FILES: adds whole copies to DIR until its regular files add up to
# at least MIN_BYTES bytes and number at least MIN_FILES; sets COPIES to the number of copies.
grow_tree() {
    local dir="$1" want_bytes="$2" want_files="$3" bytes=0 files=0
    COPIES=0
    while ((bytes < want_bytes || files < want_files)); do
        COPIES=$((COPIES + 1))
        add_copy "$dir" "$COPIES"
        read -r bytes files < <(tree_stats "$dir")
        ((bytes > 0)) || die "copied nothing from the sources"
        say "copy $COPIES: tree is $((bytes / 1024 / 1024)) MiB in $files files"
    done
}

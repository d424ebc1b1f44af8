#!/usr/bin/env bash
# Generated tests of the public API against its own OpenAPI document: Schemathesis reads
# GET /public/api/v1/openapi.json from a running server and checks every operation with
# generated requests, valid and invalid (no 5xx, status codes, content types and response
# bodies as documented, valid data accepted, invalid data rejected, …).
#
#   scripts/openapi-fuzz.sh [extra schemathesis arguments…]
#
# Installs Schemathesis into a virtualenv (FUZZ_VENV, default target/openapi-fuzz-venv), builds
# the debug binary, starts `halfpipe serve` on a temporary SQLite database, takes the bootstrap
# API key from the `export HALFPIPE_API_KEY=` line it prints, runs `schemathesis run` with
# every check, and removes the server, the database and its files on exit (also on failure,
# Ctrl-C or SIGTERM). Exits with Schemathesis's status: 0 when nothing failed.
#
# Settings (environment): FUZZ_MAX_EXAMPLES (cases per operation, 50), FUZZ_SEED (42, so that
# runs compare), FUZZ_VENV, SCHEMATHESIS_VERSION (4.32.5), CARGO_TARGET_DIR, FUZZ_SKIP_BUILD
# (set: use the binary as it is). Not run in CI: it needs PyPI and takes minutes.

set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
venv=${FUZZ_VENV:-$target_dir/openapi-fuzz-venv}
version=${SCHEMATHESIS_VERSION:-4.32.5}
max_examples=${FUZZ_MAX_EXAMPLES:-50}
seed=${FUZZ_SEED:-42}
work=$(mktemp -d "${TMPDIR:-/tmp}/halfpipe-fuzz.XXXXXX")
server_pid=""

log() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Stops the server this script started (SIGTERM, then SIGKILL after 5 s) and removes its files.
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A TCP port nobody listens on (a small race with other processes is accepted).
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

if [[ ! -x $venv/bin/schemathesis ]] || [[ $("$venv/bin/schemathesis" --version) != *"$version"* ]]; then
    log "installing schemathesis $version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$version"
fi

if [[ -z ${FUZZ_SKIP_BUILD:-} ]]; then
    log "building halfpipe"
    (cd "$root" && cargo build --quiet --bin halfpipe)
fi
halfpipe=$target_dir/debug/halfpipe
[[ -x $halfpipe ]] || die "no binary at $halfpipe"

port=$(free_port)
base=http://127.0.0.1:$port
log "starting halfpipe serve on $base over a temporary SQLite database"
# A rate limit that generated traffic cannot reach: 429s would only be noise here.
HALFPIPE_DATABASE_URL="sqlite://$work/fuzz.db" \
    HALFPIPE_LISTEN=127.0.0.1:$port \
    HALFPIPE_RATE_LIMIT_PER_MINUTE=100000000 \
    HALFPIPE_LOG=warn \
    "$halfpipe" serve >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!

key=""
for _ in $(seq 300); do
    kill -0 "$server_pid" 2>/dev/null || {
        cat "$work/serve.out" "$work/serve.err" >&2
        die "the server exited during start-up"
    }
    key=$(sed -n 's/^ *export HALFPIPE_API_KEY=//p' "$work/serve.out")
    if [[ -n $key ]] && [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/readyz") == 200 ]]; then
        break
    fi
    sleep 0.1
done
[[ -n $key ]] || die "no bootstrap key in the server's output"

cd "$work"
log "running schemathesis ($max_examples cases per operation, seed $seed)"
"$venv/bin/schemathesis" run "$base/public/api/v1/openapi.json" \
    --checks all \
    --header "Authorization: Bearer $key" \
    --max-examples "$max_examples" \
    --seed "$seed" \
    --generation-database none \
    --no-color \
    "$@"

#!/usr/bin/env bash
# Load test: Halfpipe's requests/s against a bare axum baseline, measured in one go on this
# machine, and Halfpipe's idle memory.
#
#   scripts/load.sh [sqlite|postgres|both]        (or LOAD_BACKEND=…; default sqlite)
#
# Builds the release binaries, starts `examples/baseline` (one axum handler returning constant
# JSON) and measures it; then, per backend, starts `halfpipe serve` on a fresh database
# (SQLite: a temporary file; PostgreSQL: a database created on LOAD_PG_ADMIN_URL and dropped
# afterwards) and measures:
#   (a) GET /public/api/v1/projects/{id} with a valid key           target >= 50 % of baseline
#   (b) the same with a malformed key (bad checksum, 401)          target >= 80 % of baseline
#   (c) POST /public/api/v1/projects/{id}/transcripts, the README's example transcript
#       without externalId (each request stores a new transcript)  target >= 25 % of baseline
#   (d) the same upload with 16 concurrent clients, in transcripts/s
#   and the VmRSS of the Halfpipe process when idle after start and after the load
#                                                                   target <= 30 MB
# The load generator (wrk) shares the machine's cores with the server, so absolute figures are
# modest; every run uses the same threads, connections and duration as the baseline run, and
# only the ratios are compared with the targets.
#
# Analysis (SPEC §6.1: ingest with the analyzer on stays within 10 % of HALFPIPE_ANALYSIS=off):
# the server runs with HALFPIPE_ANALYSIS as set in the environment (default on); compare rows
# (c) and (d) of `scripts/load.sh` with those of `HALFPIPE_ANALYSIS=off scripts/load.sh`.
#
# Settings (environment): LOAD_THREADS (2), LOAD_CONNECTIONS (64), LOAD_DURATION (10s),
# LOAD_UPLOAD_CLIENTS (16), LOAD_PG_ADMIN_URL (postgres://postgres@127.0.0.1:5432/test),
# CARGO_TARGET_DIR, LOAD_SKIP_BUILD (set: use the binaries as they are). Everything the script
# starts (processes, databases, files) is removed on exit, also on failure, Ctrl-C or SIGTERM.

set -euo pipefail

backend=${1:-${LOAD_BACKEND:-sqlite}}
case $backend in
sqlite) backends=(sqlite) ;;
postgres) backends=(postgres) ;;
both) backends=(sqlite postgres) ;;
*)
    echo "usage: $0 [sqlite|postgres|both]" >&2
    exit 2
    ;;
esac

threads=${LOAD_THREADS:-2}
connections=${LOAD_CONNECTIONS:-64}
duration=${LOAD_DURATION:-10s}
upload_clients=${LOAD_UPLOAD_CLIENTS:-16}
pg_admin_url=${LOAD_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d "${TMPDIR:-/tmp}/halfpipe-load.XXXXXX")
pids=()
pg_database=""

log() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Stops what this script started, by process id, and drops its database.
cleanup() {
    local status=$? p
    trap - EXIT INT TERM
    for p in "${pids[@]}"; do
        stop "$p"
    done
    if [[ -n $pg_database ]]; then
        psql "$pg_admin_url" -qAt -c "drop database if exists \"$pg_database\" with (force)" \
            >/dev/null 2>&1 || echo "warning: could not drop database $pg_database" >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# SIGTERM (graceful shutdown), then SIGKILL after 5 s.
stop() {
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

forget() {
    local gone=$1 kept=() p
    for p in "${pids[@]}"; do
        [[ $p == "$gone" ]] || kept+=("$p")
    done
    pids=("${kept[@]}")
}

need() {
    local missing=() tool
    for tool in wrk curl jq; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [[ ${backends[*]} == *postgres* ]] && ! command -v psql >/dev/null && missing+=(postgresql-client)
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        local sudo=()
        ((EUID == 0)) || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

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

# Waits until `url` answers 200, or fails after 30 s or if process `pid` dies.
wait_ready() {
    local url=$1 pid=$2 log_file=$3
    for _ in $(seq 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$log_file" >&2
            die "the server exited during start-up"
        fi
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$url") == 200 ]] && return 0
        sleep 0.1
    done
    die "$url did not become ready in 30 s"
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# Runs wrk and sets `measured` to its requests/s. Fails unless every response had the expected
# class: 2xx, or (for `401`) none at all. wrk's own counters are used rather than a Lua response
# hook, which would cost the generator, and so the server, CPU on every response. wrk runs in
# the background and is waited for, so that a signal stops it at once (see `cleanup`).
measure() {
    local name=$1 expect=$2 clients=$3
    shift 3
    local out="$work/wrk-$name.txt"
    wrk -t "$threads" -c "$clients" -d "$duration" --latency "$@" >"$out" 2>&1 &
    local wrk_pid=$!
    pids+=("$wrk_pid")
    wait "$wrk_pid" || {
        cat "$out" >&2
        die "wrk failed for $name"
    }
    forget "$wrk_pid"
    local rps requests non2xx
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    requests=$(awk '/ requests in / { print $1 }' "$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
    [[ -n $rps && -n $requests ]] || {
        cat "$out" >&2
        die "no result from wrk for $name"
    }
    case $expect in
    2xx) [[ -z $non2xx ]] || {
        cat "$out" >&2
        die "$name: $non2xx of $requests responses were not 2xx"
    } ;;
    *) [[ $non2xx == "$requests" ]] || {
        cat "$out" >&2
        die "$name: only ${non2xx:-0} of $requests responses were errors"
    } ;;
    esac
    if grep -q 'Socket errors' "$out"; then
        log "$name: $(grep 'Socket errors' "$out" | sed 's/^ *//')"
    fi
    log "$name: $rps requests/s ($requests requests), latency p50 $(awk '$1 == "50%" { print $2 }' "$out"), p99 $(awk '$1 == "99%" { print $2 }' "$out")"
    measured=$rps
}

# The HTTP status of one request, for a check before each measurement.
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# --- set-up --------------------------------------------------------------------------------

need
if [[ -n ${LOAD_SKIP_BUILD:-} ]]; then
    log "LOAD_SKIP_BUILD is set: using the binaries already built"
else
    log "building release binaries"
    (cd "$root" && cargo build --release --quiet --bin halfpipe --example baseline)
fi
halfpipe=$target_dir/release/halfpipe
baseline=$target_dir/release/examples/baseline

# The README walkthrough's transcript, without externalId: each upload is a new transcript.
cat >"$work/transcript.json" <<'JSON'
{
  "name": "Refund request",
  "modelName": "gpt-4o",
  "language": "en",
  "sourceTimestamp": "2026-03-15T10:30:00Z",
  "turns": [
    {"role": "user", "content": "Hi, I was charged twice for my order. Can I get a refund?"},
    {"role": "assistant", "content": "I found the duplicate charge and refunded it."}
  ]
}
JSON
# wrk's request for the upload: method, content type and body (sent as is, no Lua per request).
{
    printf 'wrk.method = "POST"\n'
    printf 'wrk.headers["Content-Type"] = "application/json"\n'
    printf 'wrk.body = [==[%s]==]\n' "$(cat "$work/transcript.json")"
} >"$work/upload.lua"

# --- baseline ------------------------------------------------------------------------------

port=$(free_port)
"$baseline" "127.0.0.1:$port" 2>"$work/baseline.log" &
baseline_pid=$!
pids+=("$baseline_pid")
wait_ready "http://127.0.0.1:$port/" "$baseline_pid" "$work/baseline.log"
log "baseline (pid $baseline_pid) on 127.0.0.1:$port"
measure baseline 2xx "$connections" "http://127.0.0.1:$port/"
base_rps=$measured
stop "$baseline_pid"
forget "$baseline_pid"

# --- Halfpipe ------------------------------------------------------------------------------

declare -A results

run_backend() {
    local backend=$1 url
    case $backend in
    sqlite) url="sqlite://$work/load.db" ;;
    postgres)
        local name="halfpipe_load_$$_$RANDOM"
        psql "$pg_admin_url" -qAt -v ON_ERROR_STOP=1 -c "create database \"$name\"" >/dev/null ||
            die "cannot create a database on $pg_admin_url"
        pg_database=$name
        # The admin URL with its database name replaced, keeping any ?parameters.
        local base=${pg_admin_url%%\?*}
        url="${base%/*}/$pg_database${pg_admin_url#"$base"}"
        ;;
    esac
    export HALFPIPE_DATABASE_URL=$url HALFPIPE_LOG=warn HALFPIPE_RATE_LIMIT_PER_MINUTE=0

    local workspace key
    workspace=$("$halfpipe" workspaces create --name "Load test" --json | jq -r .id)
    key=$("$halfpipe" keys create --workspace "$workspace" --name load-test --json | jq -r .key)
    [[ $key == sk-bigspin-api03-* ]] || die "no key from halfpipe keys create"
    # The same length and alphabet, a wrong checksum: rejected by the format check alone.
    local malformed="${key%?}0"
    [[ $malformed != "$key" ]] || malformed="${key%?}1"

    local port
    port=$(free_port)
    HALFPIPE_LISTEN="127.0.0.1:$port" "$halfpipe" serve >"$work/halfpipe-$backend.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    local base="http://127.0.0.1:$port"
    wait_ready "$base/readyz" "$pid" "$work/halfpipe-$backend.log"
    log "halfpipe on $backend (pid $pid) on 127.0.0.1:$port"

    local api="$base/public/api/v1" auth="Authorization: Bearer $key"
    local project
    project=$(curl -sf -H "$auth" -H 'Content-Type: application/json' \
        -d '{"name": "Load test"}' "$api/projects" | jq -r .data.id)
    [[ $project == hp-* ]] || die "could not create a project"
    # Let start-up work (tokenizer warm-up, first key-change poll) finish before measuring.
    sleep 3
    results[$backend.rss_start]=$(rss_kb "$pid")

    local get_url="$api/projects/$project" upload_url="$api/projects/$project/transcripts"
    [[ $(status_of -H "$auth" "$get_url") == 200 ]] || die "GET $get_url did not answer 200"
    [[ $(status_of -H "Authorization: Bearer $malformed" "$get_url") == 401 ]] ||
        die "the malformed key was not rejected with 401"
    [[ $(status_of -H "$auth" -H 'Content-Type: application/json' \
        --data-binary "@$work/transcript.json" "$upload_url") == 201 ]] ||
        die "the upload did not answer 201"

    measure "$backend-get" 2xx "$connections" -H "$auth" "$get_url"
    results[$backend.get]=$measured
    measure "$backend-malformed" 401 "$connections" -H "Authorization: Bearer $malformed" "$get_url"
    results[$backend.reject]=$measured
    measure "$backend-upload" 2xx "$connections" -H "$auth" -s "$work/upload.lua" "$upload_url"
    results[$backend.upload]=$measured
    measure "$backend-upload-$upload_clients" 2xx "$upload_clients" -H "$auth" \
        -s "$work/upload.lua" "$upload_url"
    results[$backend.upload16]=$measured

    local stored
    stored=$(curl -sf -H "$auth" "$api/projects/$project/transcripts?limit=1" | jq .pagination.total)
    log "$backend: $stored transcripts stored"
    sleep 3
    results[$backend.rss_after]=$(rss_kb "$pid")

    stop "$pid"
    forget "$pid"
    if [[ $backend == postgres ]]; then
        psql "$pg_admin_url" -qAt -c "drop database if exists \"$pg_database\" with (force)" >/dev/null
        pg_database=""
    fi
}

for b in "${backends[@]}"; do
    run_backend "$b"
done

# --- report --------------------------------------------------------------------------------

row() { # name, value, unit, ratio-or-dash, target, pass
    printf '  %-44s %12s %-6s %8s  %-12s %s\n' "$@"
}
ratio_row() { # name, rps, minimum ratio
    local ratio pass
    ratio=$(awk -v a="$2" -v b="$base_rps" 'BEGIN { printf "%.2f", a / b }')
    pass=$(awk -v r="$ratio" -v t="$3" 'BEGIN { print (r >= t ? "PASS" : "FAIL") }')
    row "$1" "$(printf '%.0f' "$2")" "req/s" "$ratio" ">= $3" "$pass"
}
rss_row() {
    local mb pass
    mb=$(awk -v k="$2" 'BEGIN { printf "%.1f", k / 1024 }')
    pass=$(awk -v m="$mb" 'BEGIN { print (m <= 30 ? "PASS" : "FAIL") }')
    row "$1" "$mb" "MB" "-" "<= 30 MB" "$pass"
}

echo
echo "Halfpipe load test — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk: $threads threads, $connections connections, $duration per run (uploads with $upload_clients clients in (d));"
echo "wrk runs on the same cores as the server, so compare ratios, not absolute figures."
echo "analysis worker: HALFPIPE_ANALYSIS=${HALFPIPE_ANALYSIS:-on}"
echo
row "measurement" "value" "" "ratio" "target" ""
row "baseline: bare axum, constant JSON" "$(printf '%.0f' "$base_rps")" "req/s" "1.00" "" ""
for b in "${backends[@]}"; do
    echo "  -- $b"
    ratio_row "(a) GET /projects/{id}, valid key" "${results[$b.get]}" 0.50
    ratio_row "(b) malformed key rejected (401)" "${results[$b.reject]}" 0.80
    ratio_row "(c) upload transcript" "${results[$b.upload]}" 0.25
    row "(d) upload, $upload_clients clients" "$(printf '%.0f' "${results[$b.upload16]}")" "tr/s" \
        "$(awk -v a="${results[$b.upload16]}" -v b="$base_rps" 'BEGIN { printf "%.2f", a / b }')" "-" ""
    rss_row "idle RSS after start" "${results[$b.rss_start]}"
    rss_row "idle RSS after the load" "${results[$b.rss_after]}"
done

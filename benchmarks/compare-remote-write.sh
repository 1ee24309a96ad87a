#!/usr/bin/env bash
# compare-remote-write.sh: remote-write ingest over HTTP, Sextant against Prometheus (and,
# with SERVERS="sextant prometheus victoriametrics", VictoriaMetrics), in one run.
#
#   1. builds `rwload` (this package, release) if needed;
#   2. for each server in turn (Sextant, then Prometheus, then the other way round in the
#      next round; one at a time, fresh data directory, 127.0.0.1 only): starts it, runs
#      `rwload` against it — the same pre-encoded bodies for both (same options, same
#      --start) — and reads the server's CPU time over the timed phase from /proc;
#   3. checks that the samples arrived: `sum(count_over_time({__name__="…",instance=~"host-.*"}[600s]))`
#      per metric name over the whole range, summed, must equal the samples of the 2xx
#      answers (warm-up included), and the series count must be CONNECTIONS × SERIES
#      (VictoriaMetrics: after /internal/force_flush, the rows its `vm_rows{type=~"storage/.*"}`
#      reports, and /api/v1/series/count, since its range queries shift windows to the step);
#   4. stops the server; reports every run and each server's median.
#
# The load generator runs on the same machine (the 2 shared cores) as the server, as
# DESIGN.md's peer figures were taken. Run it under the build lock so no build disturbs it:
#
#   cd benchmarks && swift build -c release --product rwload
#   flock /tmp/sextant-build.lock ./compare-remote-write.sh
#
# Everything it starts is killed on exit; the work directory is removed unless KEEP=1.
# Settings (environment):
#   CONNECTIONS=4 DURATION=15          concurrent connections; seconds of the timed phase
#   SERIES=2000 SAMPLES=5 STEP=1000    series per connection (one body holds all of them),
#                                      samples per series per body, ms between samples (by
#                                      default less than 1000 if the bodies would span > 2 h)
#   WARMUP=2                           untimed bodies per connection first (series creation)
#   PAYLOADS=N                         timed bodies per connection (default: enough for
#                                      RATE_CAP=4000000 samples/s over DURATION)
#   SERVERS="sextant prometheus"       which servers, in this order in odd rounds (also:
#                                      victoriametrics, Debian's victoria-metrics)
#   ROUNDS=2                           rounds; even rounds run the servers in reverse order
#   PROM_PORT=19492 SEXTANT_PORT=19493 VM_PORT=19494  loopback ports
#   SEXTANT=path                       sextant binary (default ../.build/release/sextant if it
#                                      exists, else ../.build/debug/sextant)
#   RWLOAD=path                        load generator (default: build .build/release/rwload)
#   PERF=1                             also `perf record -g` each server during its run
#                                      (WORK/perf-<server>.<round>.data; the overhead lowers the figures)
#   WORK=dir KEEP=1 OUT=file           work directory; keep it; also write the summary there
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
CONNECTIONS=${CONNECTIONS:-4}
DURATION=${DURATION:-15}
SERIES=${SERIES:-2000}
SAMPLES=${SAMPLES:-5}
WARMUP=${WARMUP:-2}
RATE_CAP=${RATE_CAP:-4000000}
PAYLOADS=${PAYLOADS:-$(((RATE_CAP * DURATION + CONNECTIONS * SERIES * SAMPLES - 1) / (CONNECTIONS * SERIES * SAMPLES)))}
# At most 2 h of data per series, so neither server's head is ready to cut a block (both wait
# for 1.5 block ranges, 3 h) and compaction stays out of the measurement.
STEP=${STEP:-$((7200000 / ((WARMUP + PAYLOADS) * SAMPLES) < 1000 ? 7200000 / ((WARMUP + PAYLOADS) * SAMPLES) : 1000))}
SERVERS=${SERVERS:-sextant prometheus}
ROUNDS=${ROUNDS:-2}
PROM_PORT=${PROM_PORT:-19492}
SEXTANT_PORT=${SEXTANT_PORT:-19493}
VM_PORT=${VM_PORT:-19494}
PERF=${PERF:-0}
KEEP=${KEEP:-0}
if [[ -z "${SEXTANT:-}" ]]; then
    if [[ -x "$ROOT/.build/release/sextant" ]]; then SEXTANT="$ROOT/.build/release/sextant"; else SEXTANT="$ROOT/.build/debug/sextant"; fi
fi
case "$SEXTANT" in */release/*) SEXTANT_BUILD=release ;; */debug/*) SEXTANT_BUILD=debug ;; *) SEXTANT_BUILD=unknown ;; esac
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/sextant-rw.XXXXXX")}
mkdir -p "$WORK"
SUMMARY="$WORK/summary.md"

PIDS=()
stop() { # pid
    local pid=$1
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
}
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop "$pid"; done
    if [[ "$KEEP" != 1 ]]; then rm -rf "$WORK"; else echo "work directory kept: $WORK" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
say() { echo "$*" | tee -a "$SUMMARY"; }

# --- tools -------------------------------------------------------------------------------
need_apt=()
command -v prometheus >/dev/null || need_apt+=(prometheus)
if [[ " $SERVERS " == *" victoriametrics "* ]]; then command -v victoria-metrics >/dev/null || need_apt+=(victoria-metrics); fi
command -v curl >/dev/null || need_apt+=(curl)
if ((${#need_apt[@]})); then
    log "installing ${need_apt[*]} (apt-get)"
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
[[ -x "$SEXTANT" ]] || { echo "no sextant binary at $SEXTANT (build the main package first)" >&2; exit 1; }
if [[ "$PERF" == 1 ]]; then command -v perf >/dev/null || { echo "PERF=1 needs perf" >&2; exit 1; }; fi
for port in "$PROM_PORT" "$SEXTANT_PORT" "$VM_PORT"; do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then echo "port $port on 127.0.0.1 is in use" >&2; exit 1; fi
done

# A private copy, so a rebuild of the main package during the run cannot swap it.
SEXTANT_ORIGIN="$SEXTANT ($(date -u -r "$SEXTANT" +%Y-%m-%dT%H:%MZ))"
cp "$SEXTANT" "$WORK/sextant-bin"
SEXTANT="$WORK/sextant-bin"

if [[ -z "${RWLOAD:-}" ]]; then
    log "building rwload (release) in $HERE"
    (cd "$HERE" && nice swift build -c release --product rwload >/dev/null)
    RWLOAD="$HERE/.build/release/rwload"
fi
cp "$RWLOAD" "$WORK/rwload"
RWLOAD="$WORK/rwload"

# Whole seconds, an hour ago: both servers get the same bodies, and the data ends near now.
START_MS=$((($(date +%s) - 3600) * 1000))
START_S=$((START_MS / 1000))
LAST_MS=$((START_MS + ((WARMUP + PAYLOADS) * SAMPLES - 1) * STEP))

wait_ready() { # url seconds
    for _ in $(seq $(($2 * 10))); do
        [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true)" == 200 ]] && return 0
        sleep 0.1
    done
    echo "not ready: $1" >&2
    return 1
}

# Samples stored: count_over_time per metric name (count_over_time drops the name, so one
# query over every name would collide), over 600 s windows ending at x.5 s, so no sample sits
# on a window boundary (Prometheus 2.x ranges are closed at both ends).
count_stored() { # port → "samples series"
    local port=$1 windows end
    windows=$(((LAST_MS / 1000 - START_S) / 600 + 2))
    end=$((START_S + 600 * windows))
    python3 - "$port" "$START_S" "$windows" "$CONNECTIONS" <<'PY'
import json, sys, urllib.parse, urllib.request
port, start, windows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
base = f"http://127.0.0.1:{port}/api/v1"
def get(path, **params):
    with urllib.request.urlopen(f"{base}/{path}?{urllib.parse.urlencode(params)}", timeout=300) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise SystemExit(f"query failed on port {port}: {body}")
    return body["data"]
names = get("label/__name__/values", **{"match[]": '{instance=~"host-.*"}', "start": start - 1, "end": start + 600 * windows})
samples = 0
for name in names:
    data = get("query_range", query=f'sum(count_over_time({{__name__="{name}",instance=~"host-.*"}}[600s]))',
               start=f"{start + 599}.5", end=f"{start + 600 * windows - 1}.5", step="600")
    samples += sum(int(float(v)) for series in data["result"] for _, v in series["values"])
series = get("query", query='count({__name__=~".+",instance=~"host-.*"})', time=f"{start + 30}")
count = int(float(series["result"][0]["value"][1])) if series["result"] else 0
print(samples, count)
PY
}

# VictoriaMetrics: its own count of stored rows once the in-memory buffers are flushed.
count_stored_vm() { # port → "samples series"
    local port=$1
    curl -s --max-time 60 "http://127.0.0.1:$port/internal/force_flush" >/dev/null
    python3 - "$port" <<'PY'
import json, re, sys, urllib.request
port = sys.argv[1]
with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60) as r:
    text = r.read().decode()
rows = sum(float(m.group(1)) for m in re.finditer(r'^vm_rows\{type="storage/[^"]*"\} (\S+)$', text, re.M))
with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/series/count", timeout=60) as r:
    series = json.load(r)["data"][0]
print(int(rows), series)
PY
}

field() { sed -n 's/^result .*\b'"$1"'=\([^ ]*\).*/\1/p' "$2"; }
cores() { python3 -c "print(f'{$1 / $2:.2f}')"; }

declare -A RATE CPU CPU_CORES CLIENT_CPU TOTAL STORED SERIES_STORED ELAPSED REQUESTS ACCEPTED VERSION EXHAUSTED
run_server() { # name round
    local name=$1 key="$1.$2" pid port perf_pid=""
    rm -rf "$WORK/data-$name"
    case "$name" in
    sextant)
        port=$SEXTANT_PORT
        printf 'collector:\n  self_scrape: false\n  host: false\n' >"$WORK/sextant.yml"
        "$SEXTANT" serve --config "$WORK/sextant.yml" --data-dir "$WORK/data-$name" --listen "127.0.0.1:$port" \
            --log-level warning >"$WORK/sextant.log" 2>&1 &
        pid=$!
        VERSION[$name]="sextant: $SEXTANT_ORIGIN, $SEXTANT_BUILD build"
        ;;
    prometheus)
        port=$PROM_PORT
        printf 'global:\n  scrape_interval: 1m\nscrape_configs: []\n' >"$WORK/prometheus.yml"
        prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data-$name" \
            --web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver \
            --log.level=warn >"$WORK/prometheus.log" 2>&1 &
        pid=$!
        VERSION[$name]=$(prometheus --version 2>&1 | head -1)
        ;;
    victoriametrics)
        port=$VM_PORT
        victoria-metrics -storageDataPath="$WORK/data-$name" -httpListenAddr="127.0.0.1:$port" \
            -retentionPeriod=100y -loggerLevel=WARN >"$WORK/victoriametrics.log" 2>&1 &
        pid=$!
        VERSION[$name]="victoria-metrics $(dpkg-query -W -f='${Version}' victoria-metrics 2>/dev/null || echo unknown) (Debian)"
        ;;
    *) echo "unknown server $name" >&2; exit 1 ;;
    esac
    PIDS+=("$pid")
    if [[ "$name" == victoriametrics ]]; then wait_ready "http://127.0.0.1:$port/health" 120; else wait_ready "http://127.0.0.1:$port/-/ready" 120; fi
    if [[ "$PERF" == 1 ]]; then
        perf record -F 499 -g -p "$pid" -o "$WORK/perf-$key.data" >"$WORK/perf-$key.log" 2>&1 &
        perf_pid=$!
    fi
    log "$name (round $2): rwload, $CONNECTIONS connections × ($WARMUP + $PAYLOADS) bodies of $SERIES series × $SAMPLES samples, up to ${DURATION}s timed"
    "$RWLOAD" --url "http://127.0.0.1:$port/api/v1/write" --connections "$CONNECTIONS" --duration "$DURATION" \
        --payloads "$PAYLOADS" --warmup "$WARMUP" --series "$SERIES" --samples "$SAMPLES" \
        --start "$START_MS" --step "$STEP" --server-pid "$pid" >"$WORK/rwload-$key.out" 2>"$WORK/rwload-$key.err" || true
    if [[ -n "$perf_pid" ]]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; fi
    cat "$WORK/rwload-$key.err" "$WORK/rwload-$key.out" >&2
    grep -q '^result ' "$WORK/rwload-$key.out" || { echo "rwload failed against $name" >&2; exit 1; }
    RATE[$key]=$(field samples_per_second "$WORK/rwload-$key.out")
    ELAPSED[$key]=$(field elapsed "$WORK/rwload-$key.out")
    CPU[$key]=$(field server_cpu "$WORK/rwload-$key.out")
    CLIENT_CPU[$key]=$(field client_cpu "$WORK/rwload-$key.out")
    TOTAL[$key]=$(field total_samples "$WORK/rwload-$key.out")
    REQUESTS[$key]=$(field total_requests "$WORK/rwload-$key.out")
    ACCEPTED[$key]=$(field total_accepted "$WORK/rwload-$key.out")
    EXHAUSTED[$key]=$(field exhausted "$WORK/rwload-$key.out")
    CPU_CORES[$key]=$(cores "${CPU[$key]}" "${ELAPSED[$key]}")
    log "$name (round $2): counting stored samples"
    if [[ "$name" == victoriametrics ]]; then
        read -r "STORED[$key]" "SERIES_STORED[$key]" < <(count_stored_vm "$port")
    else
        read -r "STORED[$key]" "SERIES_STORED[$key]" < <(count_stored "$port")
    fi
    stop "$pid"
}

# Rounds alternate the order (A B, then B A, …), so neither server always goes first.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
read -r -a ORDER <<<"$SERVERS"
RUNS=()
for round in $(seq "$ROUNDS"); do
    if ((round % 2 == 0)); then
        for ((i = ${#ORDER[@]} - 1; i >= 0; i--)); do run_server "${ORDER[i]}" "$round"; RUNS+=("${ORDER[i]}.$round"); done
    else
        for s in "${ORDER[@]}"; do run_server "$s" "$round"; RUNS+=("$s.$round"); done
    fi
done

# --- report ------------------------------------------------------------------------------
: >"$SUMMARY"
BODY_BYTES=$(field body_bytes "$WORK/rwload-${RUNS[0]}.out")
say "## Remote-write ingest over HTTP, $(date -u +%Y-%m-%dT%H:%MZ)"
say ""
say "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load average before the run $LOAD_BEFORE; client and server on the same cores."
for s in "${ORDER[@]}"; do say "- ${VERSION[$s]}"; done
say "Load: rwload, $CONNECTIONS connections, each its own $SERIES series; bodies of $SERIES series × $SAMPLES samples ($((SERIES * SAMPLES)) samples, $BODY_BYTES bytes snappy on average), $WARMUP untimed bodies per connection, then up to $PAYLOADS per connection for up to ${DURATION}s; samples ${STEP} ms apart from $START_MS. $ROUNDS round(s), the order alternating."
say ""
say "| run (server.round, in order) | samples/s | timed phase (s) | server CPU (s) | server cores | µs CPU per sample | client cores | requests 2xx / sent | samples sent (2xx) | samples stored (count_over_time) | series stored |"
say "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
ok=1
for k in "${RUNS[@]}"; do
    client_cores=$(cores "${CLIENT_CPU[$k]}" "${ELAPSED[$k]}")
    per_sample=$(python3 -c "print(f'{${CPU[$k]} * 1e6 / (${RATE[$k]} * ${ELAPSED[$k]}):.3f}')")
    note=""; [[ "${EXHAUSTED[$k]}" == 1 ]] && note=" (bodies ran out)"
    say "| $k | ${RATE[$k]}$note | ${ELAPSED[$k]} | ${CPU[$k]} | ${CPU_CORES[$k]} | $per_sample | $client_cores | ${ACCEPTED[$k]} / ${REQUESTS[$k]} | ${TOTAL[$k]} | ${STORED[$k]} | ${SERIES_STORED[$k]} |"
done
say ""
for k in "${RUNS[@]}"; do
    if [[ "${STORED[$k]}" != "${TOTAL[$k]}" || "${ACCEPTED[$k]}" != "${REQUESTS[$k]}" || "${SERIES_STORED[$k]}" != $((CONNECTIONS * SERIES)) ]]; then
        say "CHECK FAILED for $k: stored ${STORED[$k]} of ${TOTAL[$k]} samples, ${SERIES_STORED[$k]} series, ${ACCEPTED[$k]}/${REQUESTS[$k]} requests accepted."
        ok=0
    fi
done
((ok)) && say "Check: every request answered 2xx, and after each run the store held exactly the samples sent and $((CONNECTIONS * SERIES)) series."
median() { # server → median samples/s over its rounds
    local k values=()
    for k in "${RUNS[@]}"; do [[ "${k%.*}" == "$1" ]] && values+=("${RATE[$k]}"); done
    python3 -c "import statistics, sys; print(int(statistics.median(map(int, sys.argv[1:]))))" "${values[@]}"
}
if [[ " ${ORDER[*]} " == *" sextant "* && " ${ORDER[*]} " == *" prometheus "* ]]; then
    SX=$(median sextant)
    PR=$(median prometheus)
    say "Median over the rounds: Sextant $SX samples/s ($(python3 -c "print(f'{$SX / 1e6:.2f}')") M), Prometheus $PR samples/s; Sextant / Prometheus $(python3 -c "print(f'{$SX / $PR:.2f}')") × (targets: ≥ 1 M samples/s, ≥ 2 × Prometheus)."
fi
if [[ " ${ORDER[*]} " == *" sextant "* && " ${ORDER[*]} " == *" victoriametrics "* ]]; then
    SX=$(median sextant)
    VMR=$(median victoriametrics)
    say "Median over the rounds: Sextant $SX samples/s, VictoriaMetrics $VMR samples/s; Sextant / VictoriaMetrics $(python3 -c "print(f'{$SX / $VMR:.2f}')") × (DESIGN.md target: ≥ 1.3 ×)."
fi
if [[ -n "${OUT:-}" ]]; then cp "$SUMMARY" "$OUT"; log "summary written to $OUT"; fi
((ok))

#!/usr/bin/env bash
# compare-prometheus.sh: Sextant and Prometheus on the same data, in one run.
#
#   1. generates node-exporter-like OpenMetrics with `datagen` (this package, release);
#   2. imports it into Prometheus (`promtool tsdb create-blocks-from openmetrics`) and into
#      Sextant (`sextant tsdb import` + `sextant tsdb compact`);
#   3. reports bytes per sample on disk for both: Prometheus as promtool wrote its blocks and
#      again after the Prometheus server compacted them; Sextant from `sextant tsdb analyze
#      --json` and from its block directories measured the way Prometheus's are;
#   4. starts both servers on loopback and times `query_range` of
#      `sum by (job) (rate(node_cpu_seconds_total[5m]))` (24 h at 60 s, 6 h at 15 s) and of
#      `sum by (instance) (...)` (6 h at 15 s) with curl, RUNS times each after 3 warm-ups,
#      reporting median and p95.
#
# Everything it starts is killed on exit; the work directory is removed unless KEEP=1.
# Only 127.0.0.1 is used. Settings (environment):
#   TARGETS=32 SERIES=100 CPUS=4 HOURS=24   data set (32 × 4 CPUs × 8 modes = 1 024 CPU series)
#   RUNS=20                                 timed requests per query and server
#   PROM_PORT=19090 SEXTANT_PORT=19091      loopback ports
#   SEXTANT=path                            sextant binary (default: ../.build/release/sextant
#                                           if it exists, else ../.build/debug/sextant)
#   WORK=dir KEEP=1                         work directory; keep it afterwards
#   COMPACTION_WAIT=300                     seconds to wait for Prometheus's own compaction
#   OUT=file                                also write the summary (markdown) there
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
TARGETS=${TARGETS:-32}
SERIES=${SERIES:-100}
CPUS=${CPUS:-4}
HOURS=${HOURS:-24}
RUNS=${RUNS:-20}
PROM_PORT=${PROM_PORT:-19090}
SEXTANT_PORT=${SEXTANT_PORT:-19091}
COMPACTION_WAIT=${COMPACTION_WAIT:-300}
KEEP=${KEEP:-0}
if [[ -z "${SEXTANT:-}" ]]; then
    if [[ -x "$ROOT/.build/release/sextant" ]]; then SEXTANT="$ROOT/.build/release/sextant"; else SEXTANT="$ROOT/.build/debug/sextant"; fi
fi
case "$SEXTANT" in */release/*) SEXTANT_BUILD=release ;; */debug/*) SEXTANT_BUILD=debug ;; *) SEXTANT_BUILD=unknown ;; esac
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/sextant-compare.XXXXXX")}
mkdir -p "$WORK"
SUMMARY="$WORK/summary.md"

PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    if [[ "$KEEP" != 1 ]]; then rm -rf "$WORK"; else echo "work directory kept: $WORK" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
say() { echo "$*" | tee -a "$SUMMARY"; }
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$(now) - $1:.1f}')"; }

# --- tools -----------------------------------------------------------------------------
need_apt=()
command -v promtool >/dev/null && command -v prometheus >/dev/null || need_apt+=(prometheus)
command -v jq >/dev/null || need_apt+=(jq)
command -v curl >/dev/null || need_apt+=(curl)
if ((${#need_apt[@]})); then
    log "installing ${need_apt[*]} (apt-get)"
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v python3 >/dev/null || { echo "python3 is needed for the statistics" >&2; exit 1; }
[[ -x "$SEXTANT" ]] || { echo "no sextant binary at $SEXTANT (build the main package first)" >&2; exit 1; }
for port in "$PROM_PORT" "$SEXTANT_PORT"; do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then echo "port $port on 127.0.0.1 is in use" >&2; exit 1; fi
done

# A private copy, so a rebuild of the main package during the run cannot swap it.
SEXTANT_ORIGIN="$SEXTANT ($(date -u -r "$SEXTANT" +%Y-%m-%dT%H:%MZ))"
cp "$SEXTANT" "$WORK/sextant-bin"
SEXTANT="$WORK/sextant-bin"

log "building datagen (release) in $HERE"
(cd "$HERE" && nice swift build -c release --product datagen >/dev/null)
DATAGEN="$HERE/.build/release/datagen"

# --- data --------------------------------------------------------------------------------
log "generating $TARGETS targets × $SERIES series × ${HOURS} h"
t0=$(now)
INFO=$(nice "$DATAGEN" --targets "$TARGETS" --series "$SERIES" --cpus "$CPUS" --hours "$HOURS" --out "$WORK/data.om")
GEN_SECONDS=$(elapsed "$t0")
eval "$(echo "$INFO" | tr ' ' '\n' | sed 's/^/DG_/')"   # DG_samples, DG_min_ms, DG_max_ms, …

log "promtool tsdb create-blocks-from openmetrics"
t0=$(now)
nice promtool tsdb create-blocks-from openmetrics "$WORK/data.om" "$WORK/prometheus" >"$WORK/promtool.log" 2>&1
PROMTOOL_SECONDS=$(elapsed "$t0")

log "sextant tsdb import ($SEXTANT_BUILD build)"
t0=$(now)
nice "$SEXTANT" tsdb import --data-dir "$WORK/sextant" "$WORK/data.om" >"$WORK/sextant-import.log"
SEXTANT_IMPORT_SECONDS=$(elapsed "$t0")
t0=$(now)
nice "$SEXTANT" tsdb compact --data-dir "$WORK/sextant" >"$WORK/sextant-compact.log"
SEXTANT_COMPACT_SECONDS=$(elapsed "$t0")
rm -f "$WORK/data.om"

# Bytes of every file in the block directories (ULID dirs with a meta.json; not the WAL,
# chunks_head or anything else) and samples from each meta.json.
block_stats() { # dir → "bytes samples blocks"
    local bytes=0 samples=0 blocks=0 d
    for d in "$1"/*/; do
        [[ -f "$d/meta.json" ]] || continue
        bytes=$((bytes + $(find "$d" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')))
        samples=$((samples + $(jq '.stats.numSamples' "$d/meta.json")))
        blocks=$((blocks + 1))
    done
    echo "$bytes $samples $blocks"
}
ratio() { python3 -c "print(f'{$1 / $2:.3f}')"; }

read -r PROM_BYTES PROM_SAMPLES PROM_BLOCKS < <(block_stats "$WORK/prometheus")
PROM_BPS=$(ratio "$PROM_BYTES" "$PROM_SAMPLES")
"$SEXTANT" tsdb analyze --data-dir "$WORK/sextant" --json >"$WORK/analyze.json" 2>/dev/null
SX_BPS=$(jq -r '.blockBytesPerSample * 1000 | round / 1000' "$WORK/analyze.json")
SX_SAMPLES=$(jq -r '.blockSamples' "$WORK/analyze.json")
SX_BYTES=$(jq -r '.blockBytes' "$WORK/analyze.json")
SX_BLOCKS=$(jq -r '.blocks | length' "$WORK/analyze.json")
read -r SX_DIR_BYTES SX_DIR_SAMPLES _ < <(block_stats "$WORK/sextant/blocks")
SX_DIR_BPS=$(ratio "$SX_DIR_BYTES" "$SX_DIR_SAMPLES")

# --- servers -----------------------------------------------------------------------------
wait_ready() { # url seconds
    for _ in $(seq $(($2 * 10))); do
        [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true)" == 200 ]] && return 0
        sleep 0.1
    done
    echo "not ready: $1" >&2
    return 1
}

printf 'global:\n  scrape_interval: 1m\nscrape_configs: []\n' >"$WORK/prometheus.yml"
log "starting prometheus on 127.0.0.1:$PROM_PORT"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
wait_ready "http://127.0.0.1:$PROM_PORT/-/ready" 60

# Prometheus compacts persisted blocks from its background loop (first pass about a minute
# after start): wait for that to finish, then measure its blocks again.
log "waiting up to ${COMPACTION_WAIT}s for Prometheus to compact the imported blocks"
prom_metric() { curl -s "http://127.0.0.1:$PROM_PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
deadline=$(($(date +%s) + COMPACTION_WAIT)); stable=0; last=""
while (($(date +%s) < deadline)); do
    sleep 5
    compactions=$(prom_metric prometheus_tsdb_compactions_total); compactions=${compactions:-0}
    blocks=$(prom_metric prometheus_tsdb_blocks_loaded)
    if [[ "${compactions%.*}" -gt 0 && "$blocks" == "$last" ]]; then stable=$((stable + 1)); else stable=0; fi
    last=$blocks
    ((stable >= 3)) && break
done
read -r PROMC_BYTES PROMC_SAMPLES PROMC_BLOCKS < <(block_stats "$WORK/prometheus")
PROMC_BPS=$(ratio "$PROMC_BYTES" "$PROMC_SAMPLES")
PROM_COMPACTIONS=$(prom_metric prometheus_tsdb_compactions_total)

cat >"$WORK/sextant.yml" <<EOF
collector:
  self_scrape: false
  host: false
EOF
log "starting sextant serve on 127.0.0.1:$SEXTANT_PORT"
"$SEXTANT" serve --config "$WORK/sextant.yml" --data-dir "$WORK/sextant" --listen "127.0.0.1:$SEXTANT_PORT" \
    --log-level warning >"$WORK/sextant.log" 2>&1 &
PIDS+=($!)
wait_ready "http://127.0.0.1:$SEXTANT_PORT/-/ready" 120

# --- queries -----------------------------------------------------------------------------
# The ranges end 1 s before the data's end and are therefore not aligned to the step:
# Sextant serves step-aligned ranges it has seen from its result cache, and the point here
# is the engine. One extra row shows the cache.
DATA_START=$((DG_min_ms / 1000))
DATA_END=$(((DG_max_ms + 999) / 1000))
END=$((DATA_END - 1))

time_query() { # port query start end step → prints "median p95 series points checksum"
    local port=$1 query=$2 start=$3 end=$4 step=$5 i code
    local url="http://127.0.0.1:$port/api/v1/query_range"
    local args=(-s -G "$url" --data-urlencode "query=$query" --data-urlencode "start=$start" --data-urlencode "end=$end" --data-urlencode "step=$step")
    for i in 1 2 3; do curl "${args[@]}" -o "$WORK/response.json"; done
    [[ "$(jq -r .status "$WORK/response.json")" == success ]] || { echo "query failed on port $port: $(head -c 300 "$WORK/response.json")" >&2; return 1; }
    : >"$WORK/times"
    for i in $(seq "$RUNS"); do
        code=$(curl "${args[@]}" -o /dev/null -w '%{http_code} %{time_total}')
        [[ "${code%% *}" == 200 ]] || { echo "HTTP ${code%% *} on port $port" >&2; return 1; }
        echo "${code#* }" >>"$WORK/times"
    done
    python3 - "$WORK/times" "$WORK/response.json" <<'PY'
import json, math, statistics, sys
times = sorted(float(x) * 1000 for x in open(sys.argv[1]))
p95 = times[max(0, math.ceil(0.95 * len(times)) - 1)]
result = json.load(open(sys.argv[2]))["data"]["result"]
points = sum(len(s["values"]) for s in result)
checksum = sum(float(v) for s in result for _, v in s["values"])
print(f"{statistics.median(times):.1f} {p95:.1f} {len(result)} {points} {checksum:.6g}")
PY
}

Q_JOB='sum by (job) (rate(node_cpu_seconds_total[5m]))'
Q_INSTANCE='sum by (instance) (rate(node_cpu_seconds_total[5m]))'
CASES=(
    "$Q_JOB|$((END - 24 * 3600))|$END|60|24 h, 60 s step"
    "$Q_JOB|$((END - 6 * 3600))|$END|15|6 h, 15 s step"
    "$Q_INSTANCE|$((END - 6 * 3600))|$END|15|6 h, 15 s step"
)
((HOURS >= 24)) || CASES=("${CASES[@]:1}")
ROWS=()
for c in "${CASES[@]}"; do
    IFS='|' read -r q start end step label <<<"$c"
    log "timing: $q ($label)"
    read -r pm p95 ps pp pc < <(time_query "$PROM_PORT" "$q" "$start" "$end" "$step")
    read -r sm s95 ss sp sc < <(time_query "$SEXTANT_PORT" "$q" "$start" "$end" "$step")
    ROWS+=("| \`$q\` | $label | $pm | $p95 | $sm | $s95 | $ps / $ss | $pp / $sp | $pc / $sc |")
done
# The same 24 h query with an aligned range: after the first request, a result-cache hit.
if ((HOURS >= 24)); then
    aend=$((END / 60 * 60))
    read -r cm c95 _ < <(time_query "$SEXTANT_PORT" "$Q_JOB" "$((aend - 24 * 3600))" "$aend" 60)
    CACHE_ROW="| \`$Q_JOB\` | 24 h, 60 s step, step-aligned (Sextant result cache) | – | – | $cm | $c95 | | | |"
fi

# --- report ------------------------------------------------------------------------------
: >"$SUMMARY"
say "## Sextant vs Prometheus, $(date -u +%Y-%m-%dT%H:%MZ)"
say ""
say "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(prometheus --version 2>&1 | head -1); sextant: $SEXTANT_ORIGIN, $SEXTANT_BUILD build."
say "Data: datagen --targets $TARGETS --series $SERIES --cpus $CPUS --hours $HOURS: $((TARGETS * SERIES)) series, $DG_samples samples, $DG_bytes bytes of OpenMetrics, $((TARGETS * CPUS * 8)) series of node_cpu_seconds_total."
say "Times: datagen ${GEN_SECONDS} s; promtool import ${PROMTOOL_SECONDS} s; sextant import ${SEXTANT_IMPORT_SECONDS} s + compact ${SEXTANT_COMPACT_SECONDS} s ($SEXTANT_BUILD build)."
say ""
say "| store | blocks | samples | bytes | bytes/sample |"
say "| --- | --- | --- | --- | --- |"
say "| Prometheus, as promtool wrote it (2 h blocks) | $PROM_BLOCKS | $PROM_SAMPLES | $PROM_BYTES | $PROM_BPS |"
say "| Prometheus, after its own compaction ($PROM_COMPACTIONS compactions) | $PROMC_BLOCKS | $PROMC_SAMPLES | $PROMC_BYTES | $PROMC_BPS |"
say "| Sextant, \`tsdb analyze --json\` (chunks + index) | $SX_BLOCKS | $SX_SAMPLES | $SX_BYTES | $SX_BPS |"
say "| Sextant, all files in its block directories | $SX_BLOCKS | $SX_DIR_SAMPLES | $SX_DIR_BYTES | $SX_DIR_BPS |"
say ""
say "Sextant / Prometheus (compacted): $(ratio "$SX_DIR_BPS" "$PROMC_BPS"); Sextant / Prometheus (promtool blocks): $(ratio "$SX_DIR_BPS" "$PROM_BPS")."
say ""
say "query_range over HTTP on 127.0.0.1, $RUNS runs after 3 warm-ups, curl time_total in ms; range end = data end − 1 s (not step-aligned):"
say ""
say "| query | range | Prometheus median | Prometheus p95 | Sextant median | Sextant p95 | series (P / S) | points (P / S) | sum of values (P / S) |"
say "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for r in "${ROWS[@]}"; do say "$r"; done
[[ -n "${CACHE_ROW:-}" ]] && say "$CACHE_ROW"
if [[ -n "${OUT:-}" ]]; then cp "$SUMMARY" "$OUT"; log "summary written to $OUT"; fi

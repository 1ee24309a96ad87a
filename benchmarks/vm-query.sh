#!/usr/bin/env bash
# vm-query.sh: VictoriaMetrics (Debian's victoria-metrics 1.79) on compare-prometheus.sh's data
# set: imports the OpenMetrics file, flushes and merges, then times the same three query_range
# calls as compare-prometheus.sh (same start, end and step; nocache=1 so its response cache does
# not answer), 3 warm-ups and RUNS timed curl requests each; prints one markdown row per query.
#
#   cd benchmarks && .build/release/datagen --targets 32 --series 100 --cpus 4 --hours 24 --out /tmp/vmdata.om
#   DATA=/tmp/vmdata.om ./vm-query.sh
#
# Settings: DATA (the file), RUNS=20, PORT=19494, WORK=/tmp/vmq (its data directory, removed
# first). Only 127.0.0.1 is used; the server is killed on exit.
set -euo pipefail
DATA=${DATA:-/tmp/vmdata.om}; PORT=${PORT:-19494}; RUNS=${RUNS:-20}; WORK=${WORK:-/tmp/vmq}
command -v victoria-metrics >/dev/null || { apt-get update -qq && apt-get install -y -qq victoria-metrics >/dev/null; }
# The range ends 1 s before the data's end, as in compare-prometheus.sh.
LAST=$(tail -c 4096 "$DATA" | awk '!/^#/ && NF {t = $NF} END {printf "%d", t + 0.999}')
END=$((LAST - 1))
rm -rf "$WORK"; victoria-metrics -storageDataPath="$WORK" -httpListenAddr=127.0.0.1:$PORT -retentionPeriod=100y -loggerLevel=WARN >"$WORK.log" 2>&1 &
PID=$!; trap 'kill $PID 2>/dev/null; sleep 1; kill -9 $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.1; done
date -u +"import start %H:%M:%SZ"
awk '/^#/ {next} { $NF = sprintf("%.0f", $NF*1000); print }' "$DATA" | curl -s -X POST -T - "http://127.0.0.1:$PORT/api/v1/import/prometheus"
curl -s "http://127.0.0.1:$PORT/internal/force_flush"; curl -s "http://127.0.0.1:$PORT/internal/force_merge?partition_prefix=2026_01"
sleep 20
date -u +"import done %H:%M:%SZ"
curl -s -G "http://127.0.0.1:$PORT/api/v1/query" --data-urlencode 'query=count(node_cpu_seconds_total)' --data-urlencode "time=$END"; echo
for c in "sum by (job) (rate(node_cpu_seconds_total[5m]))|$((END-86400))|60|24 h, 60 s" "sum by (job) (rate(node_cpu_seconds_total[5m]))|$((END-21600))|15|6 h, 15 s" "sum by (instance) (rate(node_cpu_seconds_total[5m]))|$((END-21600))|15|6 h, 15 s"; do
  IFS='|' read -r q start step label <<<"$c"
  args=(-s -G "http://127.0.0.1:$PORT/api/v1/query_range" --data-urlencode "query=$q" --data-urlencode "start=$start" --data-urlencode "end=$END" --data-urlencode "step=$step" --data-urlencode nocache=1)
  for i in 1 2 3; do curl "${args[@]}" -o "$WORK.response.json"; done
  : > "$WORK.times"
  for i in $(seq $RUNS); do curl "${args[@]}" -o /dev/null -w '%{time_total}\n' >> "$WORK.times"; done
  python3 - "$q" "$label" "$WORK" <<'PY'
import json, math, statistics, sys
times = sorted(float(x) * 1000 for x in open(sys.argv[3] + ".times"))
p95 = times[max(0, math.ceil(0.95 * len(times)) - 1)]
r = json.load(open(sys.argv[3] + ".response.json"))["data"]["result"]
print(f"| `{sys.argv[1]}` | {sys.argv[2]} | {statistics.median(times):.1f} | {p95:.1f} | {len(r)} | {sum(len(s['values']) for s in r)} | {sum(float(v) for s in r for _, v in s['values']):.6g} |")
PY
done
date -u +"done %H:%M:%SZ"

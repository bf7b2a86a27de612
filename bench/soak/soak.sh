#!/usr/bin/env bash
# Soak run of a whole pipeline as processes on loopback: ad-sim-server -> mirror-server -> 4 consumers (-du 1) ->
# collector, at a steady frame rate for a given time, sampling every stage's working set (VmRSS) and, when
# dotnet-counters is installed, its pinned-object-heap size. At the end: the collector's and consumers' counts.
#
#   bench/soak/soak.sh [minutes=60] [fps=100] [frame=256x256] [sample-seconds=30]
#
# Output (in $SOAK_DIR, default a new temp folder): memory.csv (time,stage,pid,rss_kb), counters-<stage>.csv, the
# stages' logs, and summary.txt (printed at the end). Private ports: it does not disturb other EPICS servers.
set -euo pipefail

minutes=${1:-60}
fps=${2:-100}
frame=${3:-256x256}
sample=${4:-30}
nx=${frame%x*}
ny=${frame#*x}
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out=${SOAK_DIR:-$(mktemp -d -t pvstream-soak-XXXXXX)}
mkdir -p "$out"
"$root/pvstream" --version >/dev/null # builds tools/pvstream in Release when stale
pv=(dotnet "$root/tools/pvstream/bin/Release/net10.0/pvstream.dll")
counters=$(command -v dotnet-counters || ls "$HOME/.dotnet/tools/dotnet-counters" 2>/dev/null || true)

# Loopback only, ephemeral TCP ports, a UDP search port of our own.
udp=$(( 20000 + RANDOM % 20000 ))
export EPICS_PVAS_INTF_ADDR_LIST=127.0.0.1 EPICS_PVAS_SERVER_PORT=0 EPICS_PVAS_BROADCAST_PORT=$udp \
    EPICS_PVA_BROADCAST_PORT=$udp EPICS_PVA_ADDR_LIST=127.0.0.1 EPICS_PVA_AUTO_ADDR_LIST=NO \
    EPICS_PVAS_AUTO_BEACON_ADDR_LIST=NO EPICS_CAS_INTF_ADDR_LIST=127.0.0.1 EPICS_CAS_SERVER_PORT=0

declare -A pids
start_stage() { # name, args...
    local name=$1
    shift
    "${pv[@]}" "$@" >"$out/$name.log" 2>&1 &
    pids[$name]=$!
}

cleanup() {
    for name in "${!pids[@]}"; do kill -TERM "${pids[$name]}" 2>/dev/null || true; done
    jobs -p | xargs -r kill 2>/dev/null || true
}
trap cleanup EXIT

start_stage collector collector -pid 1,2,3,4 -ic soak:*:output -sc soak:collector:status -cmw 1 -sqs 200 -rp 60 -rs processor
start_stage consumers consumer -ic soak:mirror -nc 4 -du 1 -sqs 200 -oc soak:*:output -sc soak:*:status -rp 60 -dc -rs processor
start_stage mirror mirror-server -cm "(soak:mirror,soak:image,pva,200)"
# The frames start after the others have found their channels; -nf keeps the frame cache small.
start_stage sim ad-sim-server -cn soak:image -nx "$nx" -ny "$ny" -nf 50 -fps "$fps" -rt "$seconds" -std 15 -shd 10 -dc -rp 0
sleep 3

# The consumer group's children: every process under the consumers' parent.
children=$(pgrep -P "${pids[consumers]}" | tr '\n' ' ')
i=0
for child in $children; do
    i=$((i + 1))
    pids[consumer-$i]=$child
done

if [[ -n "$counters" ]]; then
    for name in "${!pids[@]}"; do
        "$counters" collect -p "${pids[$name]}" --counters System.Runtime --refresh-interval "$sample" --format csv \
            -o "$out/counters-$name.csv" >/dev/null 2>&1 &
    done
fi

echo "time,stage,pid,rss_kb" >"$out/memory.csv"
t0=$(date +%s)
while kill -0 "${pids[sim]}" 2>/dev/null; do
    now=$(( $(date +%s) - t0 ))
    for name in "${!pids[@]}"; do
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/${pids[$name]}/status" 2>/dev/null || echo 0)
        echo "$now,$name,${pids[$name]},$rss" >>"$out/memory.csv"
    done
    sleep "$sample"
done

sleep 5 # the last frames through the collector
"${pv[@]}" get soak:collector:status >"$out/collector-status.txt" 2>&1 || true
for i in 1 2 3 4; do "${pv[@]}" get "soak:$i:status" >"$out/consumer-$i-status.txt" 2>&1 || true; done
kill -INT "${pids[collector]}" "${pids[consumers]}" 2>/dev/null || true
sleep 5

{
    echo "soak: ${minutes} min, ${fps} fps, ${nx}x${ny} uint8; sampled every ${sample} s; logs in $out"
    grep -h "Published frames" "$out/sim.log" || true
    echo "collector: $(grep -E 'uint n(Collected|Missed|Rejected) ' "$out/collector-status.txt" | head -3 | awk '{ printf "%s %s  ", $2, $3 }')"
    for i in 1 2 3 4; do
        echo "consumer $i: $(grep -E 'uint n(Processed|Missed) |uint nRejected ' "$out/consumer-$i-status.txt" | awk '{ printf "%s %s  ", $2, $3 }')"
    done
    echo "working set (MB): stage first-sample / max / last-sample"
    awk -F, 'NR > 1 && $4 > 0 { if (!($2 in first)) { first[$2] = $4; order[++n] = $2 } if ($4 > max[$2]) max[$2] = $4; last[$2] = $4 }
        END { for (i = 1; i <= n; i++) { s = order[i]; printf "  %-11s %7.1f / %7.1f / %7.1f\n", s, first[s] / 1024, max[s] / 1024, last[s] / 1024 } }' "$out/memory.csv"
    if [[ -n "$counters" ]]; then
        echo "pinned object heap after the last GC (MB): stage first / max / last sample"
        for f in "$out"/counters-*.csv; do
            name=$(basename "$f" .csv)
            awk -F, -v name="${name#counters-}" '/last_collection\.heap\.size .*generation=poh/ { v = $NF + 0; if (n++ == 0) first = v; if (v > max) max = v; last = v }
                END { if (n) printf "  %-11s %7.1f / %7.1f / %7.1f\n", name, first / 1048576, max / 1048576, last / 1048576; else printf "  %-11s (no samples)\n", name }' "$f"
        done
    else
        echo "pinned bytes: not sampled (install dotnet-counters: dotnet tool install --global dotnet-counters)"
    fi
} | tee "$out/summary.txt"

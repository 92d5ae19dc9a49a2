#!/usr/bin/env bash
# The floor under the sidecar's start-up and idle-memory bars: YARP's forwarder in Kestrel and nothing else
# (bench/Mesh.Bench.BareYarp), published with NativeAOT like the sidecar. Measures process start to the first proxied
# 200 (what "ready" can at best mean for any proxy built on these parts; no configuration to load) and VmRSS 2 s after,
# in the same way as bench/proxy/startup.sh measures the sidecar. Prints the path of the binary it measured.
# Usage: bench/proxy/floor.sh [starts=10]
set -euo pipefail
STARTS=${1:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/proxy/common.sh
source "$ROOT/bench/proxy/common.sh"
command -v nginx >/dev/null || { echo "missing nginx (apt-get install -y nginx)"; exit 1; }
BARE="$ROOT/artifacts/bare-yarp-aot"
echo "publishing bench/Mesh.Bench.BareYarp with NativeAOT to $BARE..." >&2
dotnet publish "$ROOT/bench/Mesh.Bench.BareYarp/Mesh.Bench.BareYarp.csproj" -c Release -r linux-x64 -p:PublishAot=true \
  -o "$BARE" -nologo -clp:ErrorsOnly >&2
UPSTREAM=18380
start_upstream_nginx "$UPSTREAM"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$UPSTREAM/" >/dev/null 2>&1 && break; sleep 0.1; done
python3 - "$BARE/Mesh.Bench.BareYarp" "$UPSTREAM" "$STARTS" "$WORK" "$ROOT/bench/proxy" <<'PY'
import os, statistics, sys
sys.path.insert(0, sys.argv[5])
import starts as starts_lib

binary, upstream, starts, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def launch(n):
    port = starts_lib.free_port()
    return [binary, str(port), f"http://127.0.0.1:{upstream}"], port, "/"

times, rss = starts_lib.measure(starts, launch, work)
print(f"bare YARP, NativeAOT ({os.path.getsize(binary) / 1e6:.1f} MB executable); {starts} starts; {os.cpu_count()} cores")
print(f"start to first proxied 200: median {statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f}); samples " + " ".join(f"{t:.0f}" for t in times))
print(f"idle RSS 2 s after: median {statistics.median(rss):.1f} MB (max {max(rss):.1f})")
PY

#!/usr/bin/env bash
# Sidecar start-up and idle memory: from process start to /ready answering 200 with a state file of N services (each
# with one endpoint and a VirtualService), then VmRSS after 2 s idle. Each start is a fresh process on free ports.
# Usage: bench/proxy/startup.sh [services=1000] [starts=10] [sidecar executable (default: scripts/publish-sidecar.sh)]
# Prints the medians and every sample; paste into docs/benchmarks.md (section "Sidecar start-up").
set -euo pipefail
SERVICES=${1:-1000}
STARTS=${2:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIDECAR=${3:-$("$ROOT/scripts/publish-sidecar.sh")}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$SIDECAR" "$SERVICES" "$STARTS" "$WORK" <<'PY'
import http.client, json, os, signal, socket, statistics, subprocess, sys, time

sidecar, services, starts, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
resources = []
for i in range(services):
    name = f"svc-{i}"
    meta = {"name": name, "namespace": "default"}
    resources.append({"apiVersion": "mesh.dev/v1", "kind": "Service", "metadata": meta, "spec": {"ports": [{"name": "http", "port": 80}]}})
    resources.append({"apiVersion": "mesh.dev/v1", "kind": "Endpoint",
                      "metadata": {"name": f"{name}-1", "namespace": "default", "labels": {"app": name, "version": "v1"}},
                      "spec": {"service": name, "address": "127.0.0.1", "port": 20000 + i % 1000}})
    resources.append({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": name, "namespace": "default"},
                      "spec": {"hosts": [name], "http": [{"timeout": "5s", "route": [{"destination": {"host": name}}]}]}})
state = os.path.join(work, "state.json")
json.dump({"revision": 1, "resources": resources}, open(state, "w"))

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def ready(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/ready")
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False

def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0

times, rss = [], []
for n in range(starts):
    admin = free_port()
    args = [sidecar, "--id", f"startup-{n}", "--outbound-port", str(free_port()), "--inbound-port", str(free_port()),
            "--admin-port", str(admin), "--state-file", state, "--access-log", "off"]
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, f"log-{n}"), "w"))
    try:
        deadline = start + 30
        while not ready(admin):
            if proc.poll() is not None or time.perf_counter() > deadline:
                sys.exit(f"sidecar did not become ready (exit {proc.poll()}): " + open(os.path.join(work, f"log-{n}")).read()[-2000:])
            time.sleep(0.001)
        times.append((time.perf_counter() - start) * 1000)
        time.sleep(2)
        rss.append(rss_kb(proc.pid) / 1024)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

print(f"sidecar {sidecar}; state file of {services} services ({len(resources)} resources, {os.path.getsize(state) // 1024} KB); "
      f"{starts} starts; {os.cpu_count()} cores")
print(f"start to ready: median {statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f}); samples " + " ".join(f"{t:.0f}" for t in times))
print(f"idle RSS 2 s after ready: median {statistics.median(rss):.1f} MB (max {max(rss):.1f})")
PY

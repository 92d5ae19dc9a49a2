#!/usr/bin/env bash
# The federation demo (docs/federation.md), on its own: two silo clusters on 127.0.0.1, "west" (region us-west) and
# "east" (us-east), each with its own silo (embedded store), CA and trust domain, an east-west gateway and a model
# replica; a client in west. It peers them with meshctl, shows west's client calling its local model, then fails
# west's model (the demo app's fault switch) and shows the traffic moving to east across the gateways with mTLS end
# to end, and back when west recovers. Checks each step; exits 1 when one is not seen. Stops everything it started.
# Usage: deploy/local/federation.sh [--no-build]   (MESH_FEDERATION_BASE_PORT, default 15600; MESH_STATE_DIR; MESH_SIDECAR)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
skip_build="${MESH_SKIP_BUILD:-0}"
[ "${1:-}" = "--no-build" ] && skip_build=1
base="${MESH_FEDERATION_BASE_PORT:-15600}"
state="$(mkdir -p "${MESH_STATE_DIR:-$root/.mesh}/federation" && cd "${MESH_STATE_DIR:-$root/.mesh}/federation" && pwd)"
configuration="${MESH_CONFIGURATION:-Release}"
cd "$root"
source "$root/deploy/local/lib.sh"
source "$root/deploy/local/federation/clusters.sh"

step() { echo; echo "== $*"; }
failed=0
check() { if eval "$2"; then echo "   SEEN: $1"; else echo "   NOT SEEN: $1"; failed=1; fi; }

step "peering: east creates a one-time token, west redeems it"
echo "\$ meshctl -s east peer create west | meshctl -s west peer join east --token -"
peer_clusters
echo "\$ meshctl -s west peer list"; at west meshctl peer list
echo "\$ meshctl -s east peer list"; at east meshctl peer list
check "west imports east's model" "at west meshctl peer list -o json | grep -q '\"importedServices\": 1'"

step "west's client calls model: its own locality (us-west) first"
seen=$(versions 6); echo "   answers:$seen"
check "every answer from west" "[ \"$(echo $seen | tr ' ' '\n' | sort -u | tr -d '\n')\" = west ]"

step "west's model fails (its fault switch): outlier detection ejects it, traffic crosses to east"
curl -s -X POST "http://127.0.0.1:${model[west]}/admin/fail?enabled=true" >/dev/null
seen=$(versions 10); echo "   answers:$seen"
check "answers from east, through west's and east's gateways" "echo '$seen' | grep -q east"
# The sidecar's metrics follow its requests by a moment: wait for the series (at most 10 s) before showing it.
east_saw() { curl -s "http://127.0.0.1:$((model[east] + 3))/metrics" | grep -o 'source_principal="spiffe://west.mesh/ns/default/sa/client"[^}]*connection_security_policy="mutual_tls"' | head -1; }
deadline=$((SECONDS + 10))
until [ -n "$(east_saw)" ] || [ $SECONDS -ge $deadline ]; do sleep 0.2; done
echo "   east's model saw: $(east_saw)"
check "east saw west's client identity over mTLS" '[ -n "$(east_saw)" ]'

step "west's model recovers: after the 5 s ejection, traffic returns home"
curl -s -X POST "http://127.0.0.1:${model[west]}/admin/fail?enabled=false" >/dev/null
deadline=$((SECONDS + 20))
until [ "$(ask)" = west ] || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
seen=$(versions 6); echo "   answers:$seen"
check "answers from west again" "[ \"$(echo $seen | tr ' ' '\n' | sort -u | tr -d '\n')\" = west ]"

step "east's control plane stops: west keeps serving, and shows east Stale"
east_silo=$(awk '$1=="silo-east"{print $2}' "$state/pids")
kill -TERM "$east_silo"; wait "$east_silo" 2>/dev/null || true
deadline=$((SECONDS + 20))
until at west meshctl peer list | grep -q Stale || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
echo "\$ meshctl -s west peer list"; at west meshctl peer list
check "east shown Stale in west, its import kept" "at west meshctl peer list | grep -q Stale"
check "west's client still answered" "[ -n \"$(ask)\" ]"

echo
if [ "$failed" = 0 ]; then echo "federation scenario: every step seen"; else echo "federation scenario: some steps NOT SEEN (logs in $state/logs)"; fi
exit "$failed"

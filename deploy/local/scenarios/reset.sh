#!/usr/bin/env bash
# Back to the starting point: no policies or egress configuration from the scenarios, model v1 only, both models healthy.
source "$(dirname "$0")/common.sh"
meshctl delete -f "$here/mtls-authz/peer-authentication.yaml" 2>/dev/null || true
for file in registry-only authorization egress-gateway provider; do
  if [ -f "$state/egress/$file.yaml" ]; then meshctl delete -f "$state/egress/$file.yaml" 2>/dev/null || true; fi
done
model_fail v1 false; model_fail v2 false
apply "$root/deploy/local/mesh/model.yaml"
# The AI pool's model servers: no failure switch left on (scenarios/ai.sh turns one on and off).
for at in 90 100 110; do
  curl -sf -X POST -H 'content-type: application/json' -d '{"mode":"none"}' "http://127.0.0.1:$((base + at))/admin/failure" >/dev/null || true
done

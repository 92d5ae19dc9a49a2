#!/usr/bin/env bash
# Back to the starting point: no policies from the scenarios, model v1 only, both models healthy.
source "$(dirname "$0")/common.sh"
meshctl delete -f "$here/mtls-authz/peer-authentication.yaml" 2>/dev/null || true
model_fail v1 false; model_fail v2 false
apply "$root/deploy/local/mesh/model.yaml"

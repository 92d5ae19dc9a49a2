#!/usr/bin/env bash
# Canary of model v2 at 90/10: a weighted VirtualService on the ranker -> model hop.
source "$(dirname "$0")/common.sh"
step "before: every call goes to v1 ($requests requests through the ingress)"
traffic "$requests"
step "meshctl apply -f canary/virtual-service.yaml (v1 90, v2 10)"
apply "$here/canary/virtual-service.yaml"
traffic "$requests"
echo "Expect about 90% v1 and 10% v2. ./deploy/local/scenarios/reset.sh goes back to v1 only."

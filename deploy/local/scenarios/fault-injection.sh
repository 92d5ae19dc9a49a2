#!/usr/bin/env bash
# Fault injection: 50% aborts (503) and 20% 1 s delays on the model, as the ingress client sees them.
source "$(dirname "$0")/common.sh"
step "meshctl apply -f fault-injection/virtual-service.yaml"
apply "$here/fault-injection/virtual-service.yaml"
n=$((requests / 2))
step "$n requests through the ingress"
start_s=$SECONDS
traffic "$n"
echo "took $((SECONDS - start_s)) s (delays included). Some HTTP-503: injected in the ranker's sidecar (the model never saw them); the gateway's default retries hide part of them (docs/demo.md)."
step "the ranker keeps serving ranked completions from the calls that succeed"
curl -s "$ingress/complete?prompt=the+model&candidates=4&maxTokens=8"; echo

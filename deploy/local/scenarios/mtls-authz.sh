#!/usr/bin/env bash
# mTLS STRICT plus an AuthorizationPolicy: only the ranker's identity may call the model.
source "$(dirname "$0")/common.sh"
step "meshctl apply -f mtls-authz/peer-authentication.yaml"
apply "$here/mtls-authz/peer-authentication.yaml"
step "ingress -> ranker -> model: allowed (the ranker's sidecar presents spiffe://cluster.local/ns/default/sa/ranker)"
traffic 10
step "the tokenizer calls the model through its own sidecar (identity sa/tokenizer): refused"
curl -s -o /dev/null -w '  HTTP %{http_code}\n' -x "http://127.0.0.1:$((base + 12))" "http://model/generate?maxTokens=1" || true
step "a plaintext client straight to the model's sidecar inbound port: the connection is refused"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: model' "http://127.0.0.1:$((base + 21))/generate?maxTokens=1" || true)
if [ "$code" = 000 ]; then echo "  connection closed by the sidecar, no answer"; else echo "  HTTP $code"; fi
step "the model sidecar's workload certificate"
curl -s "http://127.0.0.1:$((base + 23))/certs"; echo

#!/usr/bin/env bash
# The AI pool through the ingress gateway (docs/ai-traffic.md): model routing by the "model" in the request body,
# prefix affinity (a prompt group stays on the server whose cache holds its prefix), fallback before the first token
# when a server is rate-limited, and a token limit per caller tripping. Exits non-zero if an outcome is not seen.
source "$(dirname "$0")/common.sh"
replicas=(llm-v1-a:$((base + 90)) llm-v1-b:$((base + 100)) llm-v2:$((base + 110)))
failed=0
expect() { if eval "$1"; then echo "  ok: $2"; else echo "  NOT SEEN: $2"; failed=1; fi; }

# chat MODEL MAX_TOKENS PROMPT [USER]: one chat completion through the ingress; prints "status cached-tokens model".
chat() {
  local body headers out
  body=$(printf '{"model":"%s","max_tokens":%s,"messages":[{"role":"system","content":"%s"},{"role":"user","content":"question"}]}' "$1" "$2" "$3")
  headers=$(mktemp)
  out=$(curl -s --max-time 20 -D "$headers" -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
    ${4:+-H "x-user: $4"} -d "$body" "$ingress/v1/chat/completions" || true)
  echo "$out $(awk -F': ' 'tolower($1)=="x-simllm-cached-tokens"{print $2+0}' "$headers") $(awk -F': ' 'tolower($1)=="retry-after"{print "retry-after=" $2+0}' "$headers")"
  rm -f "$headers"
}
# served: each replica's request count (its own /admin/stats), "name=count ...".
served() {
  local r; for r in "${replicas[@]}"; do
    printf '%s=%s ' "${r%%:*}" "$(curl -sf "http://127.0.0.1:${r##*:}/admin/stats" | grep -o '"requests":[0-9]*' | head -1 | cut -d: -f2)"
  done; echo
}
# moved BEFORE AFTER: the replicas whose count changed between two "served" lines.
moved() { join <(tr ' ' '\n' <<<"$1" | grep . | sort) <(tr ' ' '\n' <<<"$2" | grep . | sort) -t= | awk -F'[= ]' '$2!=$3{printf "%s ", $1}'; }
failure() { curl -sf -X POST -H 'content-type: application/json' -d "$2" "http://127.0.0.1:$1/admin/failure" >/dev/null; }

step "model routing: the gateway reads \"model\" from the body; llama-3-8b-v2 goes to the canary server only"
before=$(served)
for i in 1 2 3; do echo "  llama-3-8b-v2 -> $(chat llama-3-8b-v2 4 "routing check $i")"; done
after=$(served); echo "  served by: $(moved "$before" "$after")"
expect '[ "$(moved "$before" "$after")" = "llm-v2 " ]' "every llama-3-8b-v2 request answered by llm-v2"
before=$(served)
for i in 1 2 3; do echo "  llama-3-8b    -> $(chat llama-3-8b 4 "routing check $i")"; done
after=$(served); echo "  served by: $(moved "$before" "$after")"
expect '! grep -q llm-v2 <<<"$(moved "$before" "$after")"' "no llama-3-8b request reached the canary"

step "prefix affinity: four questions sharing a long system prompt stay on one server and hit its prefix cache"
system="You are the support assistant of the mesh demo. $(printf 'rule-%s ' $(seq 1 120))"
homes=""
for i in 1 2 3 4; do
  before=$(served); result=$(chat llama-3-8b 4 "$system"); after=$(served)
  echo "  request $i: status ${result%% *}, cached prompt tokens $(cut -d' ' -f2 <<<"$result"), served by $(moved "$before" "$after")"
  homes="$homes$(moved "$before" "$after")|"; last_cached=$(cut -d' ' -f2 <<<"$result")
done
expect '[ "$(tr "|" "\n" <<<"$homes" | grep . | sort -u | wc -l)" = 1 ]' "the prompt group stayed on one server"
expect '[ "${last_cached:-0}" -gt 100 ]' "later requests hit the prefix cache"
home=$(tr '|' '\n' <<<"$homes" | grep . | head -1 | tr -d ' ')

step "fallback: $home answers 429 (Retry-After 30) from now on; requests are retried on the other server before the first token"
home_port=$(printf '%s\n' "${replicas[@]}" | grep "^$home:" | cut -d: -f2)
failure "$home_port" '{"mode":"429","retryAfterSeconds":30}'
ok=0
for i in 1 2 3 4; do result=$(chat llama-3-8b 4 "$system"); echo "  request $i: status ${result%% *}"; [ "${result%% *}" = 200 ] && ok=$((ok + 1)); done
expect '[ $ok = 4 ]' "all four answered 200 while $home refused"
failure "$home_port" '{"mode":"none"}'
echo "  $home restored (its cooldown in the gateway ends after the Retry-After)"

token_limit_demo() {
  step "token limit: x-user heavy-user may use 3,000 completion tokens a minute (DestinationRule llm-pool); 400 each"
  local i status limited=0 result
  for i in $(seq 1 12); do
    result=$(chat llama-3-8b 400 "limit check $i" heavy-user); status=${result%% *}
    echo "  request $i: status $status $(grep -o 'retry-after=[0-9]*' <<<"$result")"
    if [ "$status" = 429 ]; then limited=1; break; fi
  done
  expect '[ $limited = 1 ]' "the gateway answered 429 with Retry-After once the budget was spent"
  result=$(chat llama-3-8b 4 "another caller" light-user)
  echo "  light-user: status ${result%% *}"
  expect '[ "${result%% *}" = 200 ]' "another caller still has its own budget"
}
token_limit_demo

exit $failed

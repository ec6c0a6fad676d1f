#!/bin/sh
# llm-serve's Anthropic Messages and OpenAI Responses wires through the
# official npm clients (tests/node/anthropic-client.mjs, responses-client.mjs):
# whole and streamed answers, countTokens, errors in each client's classes,
# and failover from a rate-limited entry, over llm-sim.
. "$(dirname "$0")/lib.sh"

node_clients

start_sim
sim_env
# the first entry answers 429 (retry in 60 s): every first request fails over
export OPENAI_API_KEY_1='rl+retry=60' OPENAI_API_KEY_2=good2 OPENAI_MODELS=m1
export LLM_SERVE_TOKENS=tok1 LLM_STATE=memory
export LLM_SERVE_MODELS='claude-*=auto,gpt-5*=m*'

start_serve --strategy sequential
SRV="$SRV" TOKEN=tok1 node_tap anthropic-client.mjs "anthropic sdk: "
for want in 'anthropic whole: text' 'anthropic whole: failover' 'anthropic stream: text' \
	'anthropic stream: event order' 'anthropic countTokens: a positive estimate' \
	'anthropic beta: unknown beta ignored, ?beta=true accepted' 'anthropic server tool: BadRequestError' \
	'anthropic bad key: AuthenticationError' 'anthropic unknown model: NotFoundError' \
	'anthropic stop_sequences: answered' 'anthropic stop_sequences: streamed' \
	'anthropic top_k to OpenAI-compatible entries: BadRequestError'; do
	grep -q "^PASS $want\$" "$T/node.out" && ok "ran: $want" || nok "ran: $want"
done
is "$(grep -c '"key":"rl+retry=60"' "$SIM_LOG")" 1 "anthropic: the rate-limited entry was tried once, then skipped while cooling"
is "$(grep '"key":"good2"' "$SIM_LOG" | head -1 | jq -c .body)" \
	'{"model":"m1","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello"}],"max_completion_tokens":50,"stream":false}' \
	"anthropic: the exact request the good entry received"
is "$(grep '"key":"good2"' "$SIM_LOG" | jq -c 'select(.body.messages[0].content == "sampled") | .body')" \
	'{"model":"m1","messages":[{"role":"user","content":"sampled"}],"max_completion_tokens":20,"stop":["STOP","END"],"top_p":0.5,"stream":false}' \
	"anthropic: stop_sequences and top_p as the good entry received them"
stop_serve

n0=$(wc -l <"$SIM_LOG")
start_serve --strategy sequential
SRV="$SRV" TOKEN=tok1 node_tap responses-client.mjs "openai sdk responses: "
for want in 'responses whole: output_text' 'responses whole: failover' 'responses stream: text' \
	'responses stream: event order' 'responses stream: sequence numbers' \
	'responses previous_response_id: BadRequestError' 'responses web_search tool: BadRequestError'; do
	grep -q "^PASS $want\$" "$T/node.out" && ok "ran: $want" || nok "ran: $want"
done
is "$(tail -n +$((n0 + 1)) "$SIM_LOG" | grep '"key":"good2"' | head -1 | jq -c .body)" \
	'{"model":"m1","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello"}],"max_completion_tokens":40,"stream":false}' \
	"responses: the exact request the good entry received"
stop_serve

done_testing

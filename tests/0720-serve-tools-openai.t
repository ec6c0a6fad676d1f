#!/bin/sh
# llm-serve with the official openai npm client (tests/node/openai-tools.mjs):
# a function tool round trip (call, result, text), the sampling parameters
# as the simulator received them, and a refused parameter as the client's
# BadRequestError.
. "$(dirname "$0")/lib.sh"

node_clients

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 LLM_SERVE_TOKENS=tok1 LLM_STATE=memory
start_serve
SRV="$SRV" TOKEN=tok1 node_tap openai-tools.mjs "openai client: "
for want in 'call: finish_reason tool_calls' 'call: the function and its arguments' \
	'result: the text' 'result: finish_reason stop' 'parameters: accepted' \
	'refused: BadRequestError naming logit_bias'; do
	grep -q "^PASS $want\$" "$T/node.out" && ok "ran: $want" || nok "ran: $want"
done
is "$(jq -c 'select(.body.messages[0].content == "params") | .body | [.stop, .top_p, .seed, .presence_penalty, .frequency_penalty, .max_completion_tokens, has("user"), has("n")]' "$SIM_LOG")" \
	'[["END"],0.5,3,0.5,0.25,16,false,false]' "the simulator received the parameters (user and n 1 not passed on)"
is "$(jq -c 'select(.body.tools) | [.body.messages[-1].role, .status]' "$SIM_LOG" | tr '\n' ' ')" \
	'["user",200] ["tool",200] ' "the simulator saw the call's request, then the tool result"

done_testing

#!/bin/sh
# Function tools through llm-serve's three wires with the official npm
# clients (tests/node/tools-sdks.mjs): a tool round trip, whole and
# streamed, with openai's chat.completions and responses.create and
# @anthropic-ai/sdk's messages.create; the pool's first entry is rate
# limited, so the first request fails over before its first byte.
. "$(dirname "$0")/lib.sh"

node_clients

start_sim
sim_env
export OPENAI_API_KEY_1='rl+retry=60' OPENAI_API_KEY_2=good2 OPENAI_MODELS=m1
export LLM_SERVE_TOKENS=tok1 LLM_STATE=memory LLM_SERVE_MODELS='claude-*=auto,gpt-5*=auto'
start_serve --strategy sequential
SRV="$SRV" TOKEN=tok1 node_tap tools-sdks.mjs "sdk: "
for want in 'chat stream: finish_reason tool_calls' 'chat stream: the call assembled from its deltas' \
	'chat stream: the client helper assembles the call' 'chat stream: the result answered with text' \
	'responses whole: a function_call item' 'responses whole: the result answered with text' \
	'responses stream: event order' 'responses stream: the call' \
	'responses stream: the result answered with text' \
	'anthropic whole: a tool_use block, stop_reason tool_use' 'anthropic whole: the result answered with text' \
	'anthropic stream: the tool_use block assembled' 'anthropic stream: an error result answered with text'; do
	grep -q "^PASS $want\$" "$T/node.out" && ok "ran: $want" || nok "ran: $want"
done
is "$(head -2 "$SIM_LOG" | jq -r '.key + ":" + (.status|tostring)' | tr '\n' ' ')" "rl+retry=60:429 good2:200 " \
	"the first (streamed) call failed over from the rate-limited entry"
is "$(jq -r 'select(.body.tools) | .body.stream' "$SIM_LOG" | sort -u)" false \
	"requests with tools were asked whole upstream, streamed or not"
is "$(jq -c 'select(.body.tools and .body.tool_choice == "required") | .body.messages' "$SIM_LOG")" \
	'[{"role":"user","content":"CALL write_file {\"path\":\"a.txt\",\"text\":\"hi\"}"}]' \
	"anthropic tool_choice any: required upstream"
is "$(jq -c 'select(.body.messages[-1].content == "Error: disk full") | .body.messages[1:]' "$SIM_LOG")" \
	'[{"role":"assistant","content":"","tool_calls":[{"id":"call_sim_write_file","type":"function","function":{"name":"write_file","arguments":"{\"path\":\"a.txt\",\"text\":\"hi\"}"}}]},{"role":"tool","content":"Error: disk full","tool_call_id":"call_sim_write_file"}]' \
	"anthropic: the tool_use and the error tool_result as the simulator received them"
done_testing

#!/bin/sh
# llm-sim's tool calls through the official clients (tests/node/sim-tools.mjs):
# the openai client's stream helper assembles the simulator's streamed call
# chunks (parallel calls) into the same calls as a whole answer, and the
# @google/genai client reads its functionCall parts, whole and streamed;
# the results come back as the rule's text. What reached the simulator is
# checked here: streamed and whole requests on each API's path.
. "$(dirname "$0")/lib.sh"

node_clients
start_sim
SIM="$SIM" node_tap sim-tools.mjs "sdk: "
for want in 'openai: streamed calls assembled' 'openai: streamed finish_reason tool_calls' \
	'openai: streamed call ids' 'openai: streamed text from the results' 'openai: whole calls' \
	'gemini: whole calls' 'gemini: streamed calls' 'gemini: text from the result'; do
	grep -q "^PASS $want\$" "$T/node.out" && ok "ran: $want" || nok "ran: $want"
done
is "$(jq -r 'select(.key == "tools1" or .key == "tools2") | "\(.path) \(.stream) \(.status)"' "$SIM_LOG" | tr '\n' ' ')" \
	"/v1/chat/completions true 200 /v1/chat/completions true 200 /v1/chat/completions false 200 /v1beta/models/gemini-2.5-flash:generateContent false 200 /v1beta/models/gemini-2.5-flash:streamGenerateContent true 200 /v1beta/models/gemini-2.5-flash:generateContent false 200 " \
	"the simulator saw each request, streamed where asked, on its path"
done_testing

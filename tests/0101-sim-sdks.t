#!/bin/sh
# llm-sim through the official clients (tests/node/sim-sdks.mjs): the openai
# and @google/genai npm packages accept its whole and streamed answers and
# map its errors (401/400 bad key, 429, 500, 503) to their error classes;
# the simulator saw each client's requests under the key it was given.
. "$(dirname "$0")/lib.sh"

node_clients
start_sim
SIM="$SIM" node_tap sim-sdks.mjs "sdk: "
for want in 'openai: whole answer' 'openai: stream text' 'openai: rate limit is a RateLimitError' \
	'gemini: whole answer' 'gemini: stream text' 'gemini: rate limit is an ApiError 429'; do
	grep -q "^PASS $want\$" "$T/node.out" && ok "ran: $want" || nok "ran: $want"
done
# what reached the simulator: the paths and the keys, one line each
paths=$(jq -r 'select(.key == "good1") | .path' "$SIM_LOG" | sort | uniq -c | awk '{ print $1, $2 }' | tr '\n' ' ')
is "$paths" "2 /v1/chat/completions 1 /v1beta/models/gemini-2.5-flash:generateContent 1 /v1beta/models/gemini-2.5-flash:streamGenerateContent " \
	"the simulator received the clients' requests, on each API's path"
is "$(jq -r 'select(.key == "good1" and (.path | startswith("/v1beta"))) | .auth' "$SIM_LOG" | sort -u)" \
	"x-goog-api-key" "the Gemini client sent its key in x-goog-api-key"
done_testing

#!/bin/sh
# llm-sim through the official clients (tests/node/sim-sdks.mjs): the openai
# and @google/genai npm packages accept its whole, streamed, structured,
# filtered and blocked answers and model lists, and map its errors (bad key,
# rate limit, quota, unknown model, long context, a broken request rule,
# 500, 503) to their error classes;
# the simulator saw each client's requests under the key it was given.
. "$(dirname "$0")/lib.sh"

node_clients
start_sim
SIM="$SIM" node_tap sim-sdks.mjs "sdk: "
for want in 'openai: whole answer' 'openai: stream text' 'openai: rate limit is a RateLimitError' \
	'gemini: whole answer' 'gemini: stream text' 'gemini: rate limit is an ApiError 429' \
	'openai: structured output' 'openai: a strict-mode break is a BadRequestError' 'openai: filtered answer' \
	'openai: filtered stream' 'openai: models' "openai: Gemini's OpenAI-compatible answer" \
	"openai: Cloudflare's OpenAI-compatible answer" 'openai: no credit is a RateLimitError' \
	'openai: an unknown model is a NotFoundError' 'openai: a long context is a BadRequestError' \
	'gemini: responseSchema' 'gemini: responseJsonSchema' 'gemini: blocked prompt' 'gemini: blocked stream' \
	'gemini: models' 'gemini: an unknown model is an ApiError 404' 'gemini: a server error is an ApiError 500' \
	'gemini: a misspelt field is an ApiError 400'; do
	grep -q "^PASS $want\$" "$T/node.out" && ok "ran: $want" || nok "ran: $want"
done
# what reached the simulator: the paths and the keys, one line each
paths=$(jq -r 'select(.key == "good1") | .path' "$SIM_LOG" | sort | uniq -c | awk '{ print $1, $2 }' | tr '\n' ' ')
is "$paths" "1 /client/v4/accounts/a/ai/v1/chat/completions 4 /v1/chat/completions 1 /v1/models 1 /v1beta/models 4 /v1beta/models/gemini-2.5-flash:generateContent 1 /v1beta/models/gemini-2.5-flash:streamGenerateContent 1 /v1beta/openai/chat/completions " \
	"the simulator received the clients' requests, on each API's path"
is "$(jq -r 'select(.key == "good1" and (.path | startswith("/v1beta/models"))) | .auth' "$SIM_LOG" | sort -u)" \
	"x-goog-api-key" "the Gemini client sent its key in x-goog-api-key"
done_testing

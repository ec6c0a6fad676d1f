#!/bin/sh
# llm-serve: GET /v1/models marks the catalog's embedding models
# ("type":"embedding", which the official openai client takes); a
# POST /v1/embeddings of more inputs than the provider takes in one call
# goes upstream in parts of its item limit and comes back whole, in input
# order, each part failing over on its own.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
# the first key answers one request, then 503s: the second part fails over
export GEMINI_API_KEY_1='k1+failafter=1' GEMINI_API_KEY_2=k2 GEMINI_MODELS=gemini-embedding-001,gemini-2.5-flash
export LLM_SERVE_TOKENS=tok1 LLM_STATE=memory
# room for every part in the minute (Gemini's 100 a minute counts each input)
printf '%s\n' '{"provider":"gemini","model":"gemini-embedding-001","caps":["embedding"],"dims":3072,"max_batch":100,"per_model":true,"limits":[{"window":"rpm","max":5000}]}' >cat.ndjson
export LLM_CATALOG="$T/cat.ndjson"
start_serve --strategy sequential
A='Authorization: Bearer tok1'

req -H "$A" "$SRV/v1/models"
is "$code" 200 "GET /v1/models: 200"
is "$(jqb '[.data[] | select(.id != "auto") | "\(.id)=\(.type // "-")"] | join(" ")')" \
	"gemini-embedding-001=embedding gemini-2.5-flash=-" "the embedding model is marked, the chat model is not"

sim_vec() {
	curl -s "$SIM/v1beta/models/gemini-embedding-001:embedContent" -H 'x-goog-api-key: k2' \
		-d "{\"content\":{\"parts\":[{\"text\":\"$1\"}]},\"outputDimensionality\":$2}" |
		jq -c .embedding.values
}

: >"$SIM_LOG"
req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" \
	-d "$(jq -nc '{model: "gemini-embedding-001", input: [range(250) | "t\(.)"], dimensions: 2}')"
is "$code" 200 "250 inputs for Gemini (100 a request): 200, not refused"
is "$(jqb '[(.data | length), ([.data[].index] == [range(250)])] | @tsv')" "$(printf '250\ttrue')" \
	"250 embeddings, indexed 0 to 249 in order"
is "$(jqb '.data[0].embedding | @json')" "$(sim_vec t0 2)" "data[0] is the vector of input 0"
is "$(jqb '.data[137].embedding | @json')" "$(sim_vec t137 2)" "data[137] is the vector of input 137 (second part)"
is "$(jqb '.data[249].embedding | @json')" "$(sim_vec t249 2)" "data[249] is the vector of input 249 (last part)"
up() { jq -r 'select(.path | test("batchEmbedContents")) | select(.status '"$1"') | "\(.key)/\(.body.requests | length)/\(.body.requests[0].content.parts[0].text)"' "$SIM_LOG" | tr '\n' ' '; }
is "$(up '== 200')" "k1+failafter=1/100/t0 k2/100/t100 k2/50/t200 " "upstream: answered parts of 100, 100 and 50, one after another"
like "$(up '== 503')" "^k1\\+failafter=1/100/t100 " "the second part failed on key 1 first, then went to key 2"

# base64 over parts too
req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" \
	-d "$(jq -nc '{model: "gemini-embedding-001", input: [range(120) | "t\(.)"], dimensions: 2, encoding_format: "base64"}')"
is "$code:$(jqb '[.data[] | .embedding | type] | unique | @json')" '200:["string"]' "base64 over two parts: 200, strings"
is "$(jqb '.data | length')" 120 "... 120 of them"

# a part that fails on every key fails the whole request: no half answer
stop_serve
unset GEMINI_API_KEY_1 GEMINI_API_KEY_2
export GEMINI_API_KEY='k5+failafter=1'
start_serve --strategy sequential
req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" \
	-d "$(jq -nc '{model: "gemini-embedding-001", input: [range(150) | "t\(.)"], dimensions: 2}')"
is "$code" 503 "the second part fails on the only key: 503"
is "$(jqb '.data // "none"')" none "... and no embeddings at all"
like "$(jqb .error.message)" "gemini" "... the message names the entry that failed"
done_testing

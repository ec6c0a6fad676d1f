#!/bin/sh
# llm-serve POST /v1/embeddings in OpenAI's shape: string or array input,
# dimensions, encoding_format base64 (little-endian float32), the exact
# request sent upstream, failover across keys of the model, errors (a
# glob over several models, token arrays, an unknown model; more inputs
# than a request takes are split), /metrics; the answer validated against OpenAI's OpenAPI schema;
# and the official openai client's embeddings.create.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export GEMINI_API_KEY_1='dead+invalid' GEMINI_API_KEY_2=k2 GEMINI_MODELS=text-embedding-004,gemini-2.5-flash
export LLM_SERVE_TOKENS=tok1 LLM_STATE=memory
start_serve --strategy sequential
A='Authorization: Bearer tok1'

sim_vec() {
	curl -s "$SIM/v1beta/models/text-embedding-004:embedContent" -H 'x-goog-api-key: k2' \
		-d "{\"content\":{\"parts\":[{\"text\":\"$1\"}]},\"outputDimensionality\":$2}" |
		jq -c .embedding.values
}

: >"$SIM_LOG"
req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" -d '{"model":"text-embedding-004","input":["alpha","beta"],"dimensions":3}'
is "$code" 200 "an array input: 200"
is "$(jqb '[.object, (.data | length), .data[0].object, .data[0].index, .data[1].index, .model] | @json')" \
	'["list",2,"embedding",0,1,"text-embedding-004"]' "OpenAI's shape: a list of embeddings with their index, the model"
is "$(jqb '.data[0].embedding | @json')" "$(sim_vec alpha 3)" "data[0] is the vector of the first input"
is "$(jqb '.data[1].embedding | @json')" "$(sim_vec beta 3)" "data[1] is the vector of the second"
is "$(jqb '.usage | keys | @json')" '["prompt_tokens","total_tokens"]' "usage has prompt_tokens and total_tokens"
is "$(hdr X-ManyLLM-Entry)" "gemini-2:text-embedding-004" "the dead key failed over to the model's other key"
is "$(jq -c 'select(.path | test("Embed")) | [.key, .status, .path, .body]' "$SIM_LOG" | tr '\n' ' ')" \
	'["dead+invalid",400,"/v1beta/models/text-embedding-004:batchEmbedContents",{"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"alpha"}]},"outputDimensionality":3},{"model":"models/text-embedding-004","content":{"parts":[{"text":"beta"}]},"outputDimensionality":3}]}] ["k2",200,"/v1beta/models/text-embedding-004:batchEmbedContents",{"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"alpha"}]},"outputDimensionality":3},{"model":"models/text-embedding-004","content":{"parts":[{"text":"beta"}]},"outputDimensionality":3}]}] ' \
	"upstream: one batch request, sent to each key"

# the answer against OpenAI's OpenAPI document (CreateEmbeddingResponse)
valid() { llm-fmt -S "@$TOP/tests/spec/openai-embedding-response.schema.json" -L strict -r none \
	--extra-keys error -w "$1" >/dev/null; }
check "the answer validates against OpenAI's CreateEmbeddingResponse (strict, no extra keys)" valid "$T/b"
jq 'del(.usage.total_tokens)' "$T/b" >nototal.json
if valid nototal.json 2>/dev/null; then nok "(the check fails an answer without usage.total_tokens)"
else ok "(the check fails an answer without usage.total_tokens)"; fi

req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" -d '{"model":"text-embedding-004","input":"beta","dimensions":3,"encoding_format":"base64"}'
is "$code" 200 "a string input, base64: 200"
b64=$(jqb '.data[0].embedding')
dec=$(printf '%s' "$b64" | base64 -d | od -An -tf4 -v | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
want=$(sim_vec beta 3 | jq -r 'map(tostring) | join(" ")')
is "$(printf '%s\n' $dec | awk '{printf "%.6f\n", $1}' | tr '\n' ' ')" \
	"$(printf '%s\n' $want | awk '{printf "%.6f\n", $1}' | tr '\n' ' ')" "base64: the same vector as little-endian float32"
is "$(printf '%s' "$b64" | base64 -d | wc -c | tr -d ' ')" 12 "base64: 3 dimensions, 12 bytes"

req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" -d '{"model":"*","input":"x"}'
is "$code" 400 "a model glob over several models: 400"
like "$(jqb .error.message)" "matches entries of several models .*do not mix" "... says why"
req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" -d '{"model":"nope","input":"x"}'
is "$code" 404 "an unknown model: 404"
is "$(jqb .error.code)" model_not_found "... model_not_found"
req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" -d '{"model":"text-embedding-004","input":[[1,2]]}'
is "$code" 400 "token arrays: 400"
like "$(jqb .error.message)" '^input\[0\]: token arrays are not supported' "... says so"
req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" -d "$(jq -nc '{model: "text-embedding-004", input: [range(101) | "t\(.)"]}')"
is "$code:$(jqb '.data | length')" 200:101 "101 inputs for Gemini (100 a request): sent in two parts, 101 answers (0718 tests the parts)"
req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" -d '{"model":"text-embedding-004","input":"x","encoding_format":"int8"}'
is "$code" 400 "an unknown encoding_format: 400"
req -H "$A" -H "Content-Type: application/json" -X POST "$SRV/v1/embeddings"
is "$code" 400 "no body: 400"
req -H "$A" -X GET "$SRV/v1/embeddings"
is "$code" 405 "GET: 405"
req "$SRV/v1/embeddings" -d '{"model":"text-embedding-004","input":"x"}'
is "$code" 401 "no token: 401"
req -H "$A" "$SRV/metrics"
like "$body" 'llm_serve_requests_total\{route="/v1/embeddings",status="200"\} 3' "/metrics counts the embeddings route"

# the same over the threaded server
stop_serve
SERVE_THREADS=3 start_serve --strategy sequential
req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" -d '{"model":"text-embedding-004","input":["alpha","beta"],"dimensions":3}'
is "$code:$(jqb '.data[1].embedding | @json')" "200:$(sim_vec beta 3)" "--threads 3: the same answer"

# the official openai client
if command -v node >/dev/null && [ -d "$TOP/tests/node/node_modules/openai" ]; then
	SRV="$SRV" TOKEN=tok1 node_tap openai-embed.mjs "openai client: "
	grep -q '^PASS embeddings: base64 and float agree$' "$T/node.out" && ok "ran: base64 and float agree" ||
		nok "ran: base64 and float agree"
else
	ok "# skip the openai client: no node or no tests/node/node_modules"
fi

done_testing

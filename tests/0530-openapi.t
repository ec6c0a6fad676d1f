#!/bin/sh
# OpenAI's published OpenAPI document (tests/spec) as the oracle, through
# ajv, a validator nobody here wrote: every request body the
# OpenAI-compatible adapter sends, per feature (from llm-sim's request log);
# every OpenAI-format answer llm-sim writes (whole, each stream chunk,
# errors, /models); every answer llm-serve writes (whole, each chunk,
# errors, /v1/models).
. "$(dirname "$0")/lib.sh"
exec </dev/null
node_clients
SPEC="$TOP/tests/spec/openai-openapi-subset.json"
ITEMS="$T/items.ndjson"
: >"$ITEMS"
# item NAME SCHEMA < JSON: one value to validate
item() { jq -c --arg n "$1" --arg s "$2" '{name: $n, schema: $s, body: .}' >>"$ITEMS"; }
# b64item NAME: an embeddings answer asked with encoding_format "base64".
# The document types "embedding" as an array of numbers only; the API then
# answers a base64 string of little-endian float32 (the openai client
# decodes it), which the document does not describe: the string is checked
# here, the rest of the answer against the document.
b64item() {
	is "$(jq -r '[.data[].embedding | type == "string" and test("^[A-Za-z0-9+/]+=*$")] | all' "$T/b")" true \
		"$1: each embedding a base64 string"
	jq -c '.data[].embedding |= []' "$T/b" | item "$1" CreateEmbeddingResponse
}
# chunks NAME < SSE: each data event but [DONE] as a stream chunk
chunks() {
	tr -d '\r' | sed -n 's/^data: *//p' | grep -v '^\[DONE\]$' >"$T/chunks"
	is "$(wc -l <"$T/chunks" | tr -d ' ')" "$(grep -c . "$T/chunks")" "$1: chunks read"
	[ -s "$T/chunks" ] || nok "$1: no chunks"
	_i=0
	while IFS= read -r c; do
		_i=$((_i + 1))
		case $c in
		'{"error":'*) printf '%s\n' "$c" | item "$1 error event $_i" ErrorResponse ;;
		*) printf '%s\n' "$c" | item "$1 chunk $_i" CreateChatCompletionStreamResponse ;;
		esac
	done <"$T/chunks"
}

start_sim
sim_env
export LLM_STATE=memory

# ---- requests the adapter sends, per feature
S='name, age int?, tags [str], at {street, zip int?}'
R='SIM-REPLY: {"name":"A","age":null,"tags":[],"at":{"street":"s","zip":null}}'
for host in "openai OPENAI_API_KEY_1=k1 OPENAI_MODELS=m1" \
	"compatible COMPAT_API_KEY=k2 COMPAT_BASE_URL=$SIM/v1 COMPAT_MODELS=c1"; do
	set -- $host
	h=$1; shift
	: >"$SIM_LOG"
	env "$@" llm-ask 'SIM-REPLY: hi' >/dev/null
	env "$@" llm-ask --system 'Be brief.' 'SIM-REPLY: hi' >/dev/null
	env "$@" llm-ask --stream 'SIM-REPLY: hi' >/dev/null
	env "$@" llm-ask --schema "$S" "$R" >/dev/null
	env "$@" llm-ask --multi --schema "$S" "SIM-REPLY: {\"items\":[${R#SIM-REPLY: }]}" >/dev/null
	env "$@" llm-ask --temperature 0.4 --max-tokens 64 'SIM-REPLY: hi' >/dev/null
	env "$@" llm-ask --schema 'a, b any' 'SIM-REPLY: {"a":"x","b":1}' >/dev/null
	for f in plain system stream schema multi 'temperature and max tokens' 'schema, strict false'; do
		printf '%s\n' "$f"
	done >"$T/features"
	is "$(jq -r .status "$SIM_LOG" | sort -u | tr '\n' ' ')" "200 " "$h: every feature's request taken"
	paste -d '\t' "$T/features" "$SIM_LOG" | while IFS='	' read -r f line; do
		printf '%s\n' "$line" | jq -c .body | item "$h request: $f" CreateChatCompletionRequest
	done
	is "$(jq -s -c 'map(.body.response_format.type // "-")' "$SIM_LOG")" \
		'["-","-","-","json_schema","json_schema","-","json_schema"]' "$h: the features as expected"
done
# JSON mode: an entry that refuses the schema gets it in JSON mode
: >"$SIM_LOG"
env OPENAI_API_KEY_1=k3+noschema OPENAI_MODELS=m1 llm-ask --schema "$S" "$R" >/dev/null
jq -c 'select(.body.response_format.type == "json_object") | .body' "$SIM_LOG" | item "request: JSON mode" CreateChatCompletionRequest
is "$(jq -c 'select(.body.response_format.type == "json_object")' "$SIM_LOG" | wc -l | tr -d ' ')" 1 "JSON mode: one request"

# embeddings: the requests the OpenAI-compatible embedding code sends
: >"$SIM_LOG"
printf 'alpha\nbeta\n' | env OPENAI_API_KEY_1=k1 OPENAI_MODELS=text-embedding-3-small \
	llm-map -q --embed . >/dev/null
printf 'gamma\n' | env OPENAI_API_KEY_1=k1 OPENAI_MODELS=text-embedding-3-small \
	llm-map -q --embed --dimensions 8 . >/dev/null
is "$(jq -r .status "$SIM_LOG" | tr '\n' ' ')" "200 200 " "embeddings: both requests taken"
jq -c .body "$SIM_LOG" | while IFS= read -r line; do
	printf '%s\n' "$line" | item "request: embeddings $(printf '%s' "$line" | jq -c .input)" CreateEmbeddingRequest
done

# ---- what llm-sim answers in OpenAI's format
B='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}]}'
simreq() { # KEY [BODY [PATH]]
	req "$SIM${3:-/v1/chat/completions}" -H "Authorization: Bearer $1" -d "${2:-$B}"
}
simreq good; item "llm-sim whole answer" CreateChatCompletionResponse <"$T/b"
simreq good '{"model":"m","messages":[{"role":"user","content":"SIM-REPLY: {\"a\":1}"}],"response_format":{"type":"json_schema","json_schema":{"name":"o","strict":true,"schema":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":false}}}}'
item "llm-sim schema answer" CreateChatCompletionResponse <"$T/b"
simreq good+block; item "llm-sim filtered answer" CreateChatCompletionResponse <"$T/b"
simreq good '{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"one two three four"}]}'
chunks "llm-sim stream with usage" <"$T/b"
simreq good '{"model":"m","stream":true,"messages":[{"role":"user","content":"one two three"}]}'
chunks "llm-sim stream" <"$T/b"
simreq good+block '{"model":"m","stream":true,"messages":[{"role":"user","content":"one two"}]}'
chunks "llm-sim filtered stream" <"$T/b"
simreq good "$B" /v1beta/openai/chat/completions
item "llm-sim Gemini OpenAI-compatible whole answer" CreateChatCompletionResponse <"$T/b"
simreq good "$B" /client/v4/accounts/a/ai/v1/chat/completions
item "llm-sim Cloudflare OpenAI-compatible whole answer" CreateChatCompletionResponse <"$T/b"
for k in k+invalid k+rpm=0 k+rpd=0 k+conc=0 k+credit k+quota k+overload k+status=500 k+status=400 \
	k+model404 k+context=1 'k+bogus=1'; do
	simreq "$k"
	item "llm-sim error ($k, HTTP $code)" ErrorResponse <"$T/b"
done
req "$SIM/v1/chat/completions" -d "$B"; item "llm-sim error (no key, HTTP $code)" ErrorResponse <"$T/b"
simreq good '{"model":'; item "llm-sim error (bad JSON, HTTP $code)" ErrorResponse <"$T/b"
simreq good '{"model":"m","messages":[]}'; item "llm-sim error (no messages, HTTP $code)" ErrorResponse <"$T/b"
simreq good '{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"o","strict":true,"schema":{"type":"array"}}}}'
item "llm-sim error (strict rule, HTTP $code)" ErrorResponse <"$T/b"
simreq good+noschema '{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"o","schema":{"type":"object"}}}}'
item "llm-sim error (no schema support, HTTP $code)" ErrorResponse <"$T/b"
req "$SIM/v1/nowhere" -H 'Authorization: Bearer good'; item "llm-sim error (no such path, HTTP $code)" ErrorResponse <"$T/b"
req "$SIM/v1/models" -H 'Authorization: Bearer good'; item "llm-sim /v1/models" ListModelsResponse <"$T/b"
simreq good '{"model":"text-embedding-3-small","input":["a","b"]}' /v1/embeddings
item "llm-sim embeddings answer" CreateEmbeddingResponse <"$T/b"
simreq good '{"model":"text-embedding-3-small","input":"a","encoding_format":"base64"}' /v1/embeddings
b64item "llm-sim embeddings answer (base64)"

# ---- what llm-serve answers
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1
export BUSY_API_KEY='b+retry=60' BUSY_BASE_URL="$SIM/v1" BUSY_MODELS=busy
export CUT_API_KEY='c+cut' CUT_BASE_URL="$SIM/v1" CUT_MODELS=cutmodel
export EMB_API_KEY=e1 EMB_BASE_URL="$SIM/v1" EMB_MODELS=text-embedding-3-small
export LLM_SERVE_TOKENS=tok1
start_serve --strategy sequential
srv() { req "$SRV${2:-/v1/chat/completions}" -H 'Authorization: Bearer tok1' -H 'Content-Type: application/json' ${1:+-d "$1"}; }
B='{"model":"m1","messages":[{"role":"user","content":"hello there"}]}'
srv "$B"; item "llm-serve whole answer" CreateChatCompletionResponse <"$T/b"
srv '{"model":"m1","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"SIM-REPLY: {\"a\":1}"}]}'
item "llm-serve JSON mode answer" CreateChatCompletionResponse <"$T/b"
srv '{"model":"m1","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"one two three"}]}'
chunks "llm-serve stream with usage" <"$T/b"
srv '{"model":"m1","stream":true,"messages":[{"role":"user","content":"one two three"}]}'
chunks "llm-serve stream" <"$T/b"
srv '{"model":"cutmodel","stream":true,"messages":[{"role":"user","content":"one two three four five six"}]}'
chunks "llm-serve broken stream" <"$T/b"
is "$(grep -c '^{"error":' "$T/chunks")" 1 "llm-serve broken stream: ends with an error event"
srv "" /v1/models; item "llm-serve /v1/models" ListModelsResponse <"$T/b"
srv '{"model":"m1","input":"hello there"}' /v1/responses
item "llm-serve Responses whole answer" Response <"$T/b"
srv '{"model":"m1","instructions":"Be brief.","input":[{"role":"user","content":"hi"}],"max_output_tokens":64}' /v1/responses
item "llm-serve Responses answer (items, instructions)" Response <"$T/b"
srv '{"model":"m1","stream":true,"input":"one two three"}' /v1/responses
tr -d '\r' <"$T/b" | sed -n 's/^data: *//p' >"$T/events"
is "$(jq -r .type "$T/events" | sed -n '1p;$p' | tr '\n' ' ')" "response.created response.completed " \
	"llm-serve Responses stream: from response.created to response.completed"
_i=0
while IFS= read -r c; do
	_i=$((_i + 1))
	printf '%s\n' "$c" | item "llm-serve Responses stream event $_i" ResponseStreamEvent
done <"$T/events"
srv '{"model":"text-embedding-3-small","input":["a","b"]}' /v1/embeddings
item "llm-serve embeddings answer" CreateEmbeddingResponse <"$T/b"
srv '{"model":"text-embedding-3-small","input":"a","encoding_format":"base64"}' /v1/embeddings
b64item "llm-serve embeddings answer (base64)"
req "$SRV/v1/chat/completions" -H 'Content-Type: application/json' -d "$B"; item "llm-serve error (no token, HTTP $code)" ErrorResponse <"$T/b"
srv '{"model":'; item "llm-serve error (bad JSON, HTTP $code)" ErrorResponse <"$T/b"
srv '{"model":"m1"}'; item "llm-serve error (no messages, HTTP $code)" ErrorResponse <"$T/b"
srv '{"model":"nosuch","messages":[{"role":"user","content":"x"}]}'; item "llm-serve error (no such model, HTTP $code)" ErrorResponse <"$T/b"
srv '{"model":"busy","messages":[{"role":"user","content":"x"}]}'
srv '{"model":"busy","messages":[{"role":"user","content":"x"}]}'; item "llm-serve error (every entry cooling, HTTP $code)" ErrorResponse <"$T/b"
srv "" /v1/nowhere; item "llm-serve error (no such path, HTTP $code)" ErrorResponse <"$T/b"
# function tools and sampling parameters: what the adapter sends, the answers
TOOLS='"tools":[{"type":"function","function":{"name":"write_file","description":"d","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}}]'
srv "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"CALL write_file {\\\"path\\\":\\\"a\\\"}\"}],$TOOLS,\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"write_file\"}},\"parallel_tool_calls\":false,\"stop\":\"END\",\"top_p\":0.5,\"seed\":1,\"presence_penalty\":0.1,\"frequency_penalty\":0.1}"
is "$code:$(jqb .choices[0].finish_reason)" "200:tool_calls" "llm-serve tool call: 200"
item "llm-serve tool call answer" CreateChatCompletionResponse <"$T/b"
tail -1 "$SIM_LOG" | jq -c .body | item "request: tools and sampling parameters" CreateChatCompletionRequest
CALLS=$(jq -c '.choices[0].message.tool_calls' "$T/b")
srv "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":$CALLS},{\"role\":\"tool\",\"tool_call_id\":\"call_sim_write_file\",\"content\":\"ok\"}],$TOOLS}"
is "$code:$(jqb .choices[0].message.content)" "200:tool said: ok" "llm-serve tool result: 200"
tail -1 "$SIM_LOG" | jq -c .body | item "request: a tool call and its result" CreateChatCompletionRequest
srv "{\"model\":\"m1\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"CALL write_file {\\\"path\\\":\\\"a\\\"}\"}],$TOOLS}"
chunks "llm-serve tool call stream" <"$T/b"
is "$(grep -c '"tool_calls":\[{"index":0' "$T/chunks")" 2 "llm-serve tool call stream: the call's two chunks"
RTOOLS='"tools":[{"type":"function","name":"write_file","description":"d","parameters":{"type":"object","properties":{"path":{"type":"string"}}},"strict":false}]'
srv "{\"model\":\"m1\",\"input\":\"CALL write_file {\\\"path\\\":\\\"a\\\"}\",$RTOOLS}" /v1/responses
is "$(jqb '.output[0].type')" function_call "llm-serve Responses tool call: a function_call item"
item "llm-serve Responses tool call answer" Response <"$T/b"
srv "{\"model\":\"m1\",\"stream\":true,\"input\":\"CALL write_file {\\\"path\\\":\\\"a\\\"}\",$RTOOLS,\"tool_choice\":\"required\"}" /v1/responses
tr -d '\r' <"$T/b" | sed -n 's/^data: *//p' >"$T/events"
is "$(jq -r .type "$T/events" | tr '\n' ' ')" "response.created response.in_progress response.output_item.added response.function_call_arguments.delta response.function_call_arguments.done response.output_item.done response.completed " \
	"llm-serve Responses tool call stream: its event sequence"
_i=0
while IFS= read -r c; do
	_i=$((_i + 1))
	printf '%s\n' "$c" | item "llm-serve Responses tool call stream event $_i" ResponseStreamEvent
done <"$T/events"
srv "{\"model\":\"m1\",\"input\":[{\"role\":\"user\",\"content\":\"x\"},{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"write_file\",\"arguments\":\"{}\"},{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"ok\"}],$RTOOLS}" /v1/responses
is "$(jqb .output[0].content[0].text)" "tool said: ok" "llm-serve Responses tool result: text"
tail -1 "$SIM_LOG" | jq -c .body | item "request: a Responses function_call and its output" CreateChatCompletionRequest
stop_serve

export SPEC ITEMS
node_tap openapi-check.mjs ""
is "$(grep -c '^PASS .* is a valid ' "$T/node.out")" "$(wc -l <"$ITEMS" | tr -d ' ')" "every item was validated"
done_testing

#!/bin/sh
# llm-sim holds structured-output requests to each provider's documented
# rules (OpenAI strict mode, Gemini's field names and schema subsets,
# Cloudflare's response_format) and answers a broken one with the
# provider's own 400; the adapters' requests keep them on the first
# attempt; every request fixture keeps them too.
. "$(dirname "$0")/lib.sh"
exec </dev/null
start_sim
sim_env
export LLM_STATE=memory

oai() { req "$SIM/v1/chat/completions" -H 'Authorization: Bearer k1' -d "$1"; }
gem() { req "$SIM/v1beta/models/gemini-2.5-flash:generateContent" -H 'x-goog-api-key: g1' -d "$1"; }
CF_RUN=/client/v4/accounts/acct1/ai/run/@cf/meta/llama-3.1-8b-instruct
cf() { req "$SIM$CF_RUN" -H 'Authorization: Bearer c1' -d "$1"; }

# ---- OpenAI strict mode
M='"model":"m","messages":[{"role":"user","content":"hi"}]'
rf() { printf '{%s,"response_format":{"type":"json_schema","json_schema":{"name":"out","strict":true,"schema":%s}}}' "$M" "$1"; }
GOOD='{"type":"object","properties":{"a":{"type":"string"},"b":{"type":["integer","null"]}},"required":["a","b"],"additionalProperties":false}'
oai "$(rf "$GOOD")"
is "$code" 200 "openai strict: a schema in the strict form is taken"
# rejected: SCHEMA | the message OpenAI words it with
while IFS='|' read -r name schema want; do
	oai "$(rf "$schema")"
	is "$code" 400 "openai strict: $name: 400"
	is "$(jqb '[.error.type, .error.param, .error.code] | @json')" '["invalid_request_error","response_format",null]' \
		"openai strict: $name: OpenAI's error shape"
	is "$(jqb .error.message)" "$want" "openai strict: $name: the message"
done <<'EOF'
no additionalProperties|{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}|Invalid schema for response_format 'out': In context=(), 'additionalProperties' is required to be supplied and to be false.
additionalProperties true|{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":true}|Invalid schema for response_format 'out': In context=(), 'additionalProperties' is required to be supplied and to be false.
a property not required|{"type":"object","properties":{"a":{"type":"string"},"b":{"type":["string","null"]}},"required":["a"],"additionalProperties":false}|Invalid schema for response_format 'out': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.
an extra required key|{"type":"object","properties":{"a":{"type":"string"}},"required":["a","z"],"additionalProperties":false}|Invalid schema for response_format 'out': In context=(), Extra required key 'z' supplied.
a nested object open|{"type":"object","properties":{"o":{"type":"object","properties":{"x":{"type":"string"}},"required":["x"]}},"required":["o"],"additionalProperties":false}|Invalid schema for response_format 'out': In context=('properties', 'o'), 'additionalProperties' is required to be supplied and to be false.
an array item open|{"type":"object","properties":{"l":{"type":"array","items":{"type":"object","properties":{"x":{"type":"string"}},"required":[],"additionalProperties":false}}},"required":["l"],"additionalProperties":false}|Invalid schema for response_format 'out': In context=('properties', 'l', 'items'), 'required' is required to be supplied and to be an array including every key in properties. Missing 'x'.
an array root|{"type":"array","items":{"type":"string"}}|Invalid schema for response_format 'out': schema must be a JSON Schema of 'type: "object"', got 'type: "array"'.
an unsupported keyword|{"type":"object","properties":{"a":{"type":"string","minLength":2}},"required":["a"],"additionalProperties":false}|Invalid schema for response_format 'out': In context=('properties', 'a'), 'minLength' is not permitted.
a schema without a type|{"type":"object","properties":{"a":{}},"required":["a"],"additionalProperties":false}|Invalid schema for response_format 'out': In context=('properties', 'a'), schema must have a 'type' key.
an unsupported format|{"type":"object","properties":{"a":{"type":"string","format":"uri"}},"required":["a"],"additionalProperties":false}|Invalid schema for response_format 'out': In context=('properties', 'a'), 'format' 'uri' is not supported.
EOF
is "$(tail -n 1 "$SIM_LOG" | jq -r .fault)" rules "openai strict: the request log names the fault"
deep='{"type":"string"}'
for i in 1 2 3 4 5 6 7 8 9 10; do
	deep="{\"type\":\"object\",\"properties\":{\"n\":$deep},\"required\":[\"n\"],\"additionalProperties\":false}"
done
oai "$(rf "$deep")"
is "$code" 200 "openai strict: 10 levels of nesting are taken"
oai "$(rf "{\"type\":\"object\",\"properties\":{\"n\":$deep},\"required\":[\"n\"],\"additionalProperties\":false}")"
is "$code" 400 "openai strict: 11 levels are refused"
like "$(jqb .error.message)" "more than 10 levels of nesting" "openai strict: the nesting limit named"
seq 1 5001 | jq -R . | jq -s -c '{type:"object",additionalProperties:false,required:.,properties:(map({key:.,value:{type:"integer"}})|from_entries)}' >many.json
rf "$(cat many.json)" >many-body.json
oai @many-body.json
like "$(jqb .error.message)" "more than 5000 object properties" "openai strict: the property-count limit"
seq 1 1001 | jq -s -c '{type:"object",additionalProperties:false,required:["e"],properties:{e:{type:"integer",enum:.}}}' >enum.json
oai "$(rf "$(cat enum.json)")"
like "$code $(jqb .error.message)" "^400 .*more than 1000 enum values" "openai strict: the enum-value limit"
oai "{$M,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"strict\":true,\"schema\":$GOOD}}}"
is "$code/$(jqb .error.param)" "400/response_format.json_schema.name" "openai: a json_schema without a name"
oai "{$M,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"o\",\"strict\":false,\"schema\":{\"type\":\"array\"}}}}"
is "$code" 200 "openai: strict false takes any schema"
oai "{$M,\"top_k\":3}"
is "$code/$(jqb '[.error.type, .error.param] | @json')" '400/["invalid_request_error","top_k"]' "openai: an argument OpenAI does not take (top_k): 400 naming it"
is "$(jqb .error.message)" "Unrecognized request argument supplied: top_k" "... in OpenAI's words"
oai "{$M,\"seed\":1,\"top_p\":0.5,\"stop\":[\"x\"],\"presence_penalty\":0,\"user\":\"u\"}"
is "$code" 200 "openai: the arguments it documents are taken"
oai "{$M,\"stream_options\":{\"include_usage\":true}}"
is "$code/$(jqb .error.param)" "400/stream_options" "openai: stream_options without stream"
oai "{$M,\"response_format\":{\"type\":\"json\"}}"
is "$code/$(jqb .error.param)" "400/response_format.type" "openai: an unknown response_format type"
req "$SIM/v1/chat/completions" -H 'Authorization: Bearer d1+rpd=1' -d "$(rf '{"type":"array"}')"
req "$SIM/v1/chat/completions" -H 'Authorization: Bearer d1+rpd=1' -d "$(rf "$GOOD")"
is "$code" 200 "openai: a refused request does not count against the key's quota"

# ---- Gemini
C='"contents":[{"role":"user","parts":[{"text":"hi"}]}]'
gs() { printf '{%s,"generationConfig":{"responseMimeType":"application/json",%s}}' "$C" "$1"; }
gem "$(gs '"responseSchema":{"type":"OBJECT","properties":{"a":{"type":"STRING","nullable":true}},"required":["a"],"propertyOrdering":["a"]}')"
is "$code" 200 "gemini: responseSchema in its OpenAPI subset is taken"
gem "{\"system_instruction\":{\"parts\":[{\"text\":\"s\"}]},$C,\"generation_config\":{\"max_output_tokens\":5}}"
is "$code" 200 "gemini: snake_case field names are taken"
gem "$(gs '"responseJsonSchema":{"type":"object","properties":{"a":{"type":["string","null"]}},"required":["a"],"additionalProperties":false}')"
is "$code" 200 "gemini: responseJsonSchema in JSON Schema is taken"
while IFS='|' read -r name body want; do
	gem "$body"
	is "$code/$(jqb .error.status)" "400/INVALID_ARGUMENT" "gemini: $name: 400 INVALID_ARGUMENT"
	is "$(jqb .error.message)" "$want" "gemini: $name: the message"
done <<EOF
a misspelt top-level field|{$C,"generationConfg":{}}|Invalid JSON payload received. Unknown name "generationConfg": Cannot find field.
a misspelt config field|{$C,"generationConfig":{"maxOutputToken":5}}|Invalid JSON payload received. Unknown name "maxOutputToken" at 'generation_config': Cannot find field.
a misspelt part field|{"contents":[{"role":"user","parts":[{"txt":"hi"}]}]}|Invalid JSON payload received. Unknown name "txt" at 'contents[0].parts[0]': Cannot find field.
additionalProperties in responseSchema|$(gs '"responseSchema":{"type":"OBJECT","properties":{"a":{"type":"STRING"}},"additionalProperties":false}')|Invalid JSON payload received. Unknown name "additionalProperties" at 'generation_config.response_schema': Cannot find field.
a type list in responseSchema|$(gs '"responseSchema":{"type":"OBJECT","properties":{"a":{"type":["STRING","NULL"]}}}')|Invalid JSON payload received. Unknown name "type" at 'generation_config.response_schema.properties[0].value': Proto field is not repeating, cannot start list.
a JSON Schema type in responseSchema|$(gs '"responseSchema":{"type":"object","properties":{"a":{"type":"STRING"}}}')|Invalid value at 'generation_config.response_schema.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), "object"
an OBJECT without properties|$(gs '"responseSchema":{"type":"OBJECT"}')|* GenerateContentRequest.generation_config.response_schema.properties: should be non-empty for OBJECT type
a required name not defined|$(gs '"responseSchema":{"type":"OBJECT","properties":{"a":{"type":"STRING"}},"required":["b"]}')|* GenerateContentRequest.generation_config.response_schema.required[0]: property is not defined
propertyOrdering naming no property|$(gs '"responseSchema":{"type":"OBJECT","properties":{"a":{"type":"STRING"}},"propertyOrdering":["a","c"]}')|* GenerateContentRequest.generation_config.response_schema.property_ordering[1]: property is not defined
an enum on a number|$(gs '"responseSchema":{"type":"OBJECT","properties":{"a":{"type":"INTEGER","enum":["1"]}}}')|* GenerateContentRequest.generation_config.response_schema.properties[0].value.enum: only allowed for STRING type
nullable in responseJsonSchema|$(gs '"responseJsonSchema":{"type":"object","properties":{"a":{"type":"string","nullable":true}}}')|* GenerateContentRequest.generation_config.response_json_schema.properties.a: keyword "nullable" is not supported in response_json_schema
an upper-case type in responseJsonSchema|$(gs '"responseJsonSchema":{"type":"OBJECT"}')|* GenerateContentRequest.generation_config.response_json_schema.type: "OBJECT" is not a JSON Schema type
both schema fields|$(gs '"responseSchema":{"type":"STRING"},"responseJsonSchema":{"type":"string"}')|* GenerateContentRequest.generation_config.response_json_schema: response_schema must be omitted when response_json_schema is set
a schema without the JSON type|{$C,"generationConfig":{"responseSchema":{"type":"STRING"}}}|* GenerateContentRequest.generation_config.response_mime_type: a response schema needs response_mime_type application/json, got ""
EOF

# ---- Cloudflare ai/run
S='{"type":"object","properties":{"a":{"type":"string"}}}'
cf "{\"messages\":[{\"role\":\"user\",\"content\":\"SIM-REPLY: {\\\"a\\\":\\\"x\\\"}\"}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":$S}}"
is "$code" 200 "cloudflare: json_schema as the bare schema is taken"
while IFS='|' read -r name body want; do
	cf "$body"
	is "$code/$(jqb '.success, .errors[0].code' | tr '\n' ' ')" "400/false 5006 " "cloudflare: $name: 400, code 5006"
	like "$(jqb '.errors[0].message')" "^AiError: Bad input: $want" "cloudflare: $name: the message"
done <<EOF
OpenAI's wrapper|{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"o","strict":true,"schema":$S}}}|'/response_format/json_schema' must be the JSON Schema itself
an unknown type|{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json"}}|Type mismatch of '/response_format/type'
json_schema missing|{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema"}}|Required properties at '/response_format' are 'json_schema'
JSON mode streamed|{"messages":[{"role":"user","content":"hi"}],"stream":true,"response_format":{"type":"json_object"}}|JSON Mode does not support streaming
EOF

# ---- the adapters keep the rules on the first attempt: one request, 200
first_try() { # NAME ENV... -- ARGS...
	_name=$1; shift
	: >"$SIM_LOG"
	run env "$@"
	is "$rc" 0 "$_name: exit 0"
	is "$(jq -r .status "$SIM_LOG" | tr '\n' ' ')" "200 " "$_name: one request, taken"
}
NESTED='name, age int?, tags [str], at {street, zip int?, geo {lat float, lon float}?}, kind a|b'
NREPLY='SIM-REPLY: {"name":"A","age":null,"tags":[],"at":{"street":"s","zip":null,"geo":null},"kind":"a"}'
MREPLY='SIM-REPLY: {"items":[{"name":"A","age":1,"tags":["x"],"at":{"street":"s","zip":1,"geo":{"lat":1,"lon":2}},"kind":"b"}]}'
for p in "openai OPENAI_API_KEY_1=k1 OPENAI_MODELS=m1" "gemini GEMINI_API_KEY_1=g1 GEMINI_MODELS=gemini-x" \
	"cloudflare CLOUDFLARE_API_TOKEN=c1 CLOUDFLARE_MODELS=@cf/x/y"; do
	set -- $p
	n=$1; shift
	first_try "$n --schema" "$@" llm-ask --schema "$NESTED" "$NREPLY"
	first_try "$n --schema --multi" "$@" llm-ask --multi --schema "$NESTED" "$MREPLY"
	is "$(printf '%s\n' "$out" | jq -r .at.geo.lon)" 2 "$n --multi: the item read back"
	first_try "$n plain" "$@" llm-ask 'SIM-REPLY: hello'
	first_try "$n system, temperature, max tokens" "$@" llm-ask --system 'Be brief.' --temperature 0.3 \
		--max-tokens 50 'SIM-REPLY: hello'
	first_try "$n streamed" "$@" llm-ask --stream 'SIM-REPLY: hello'
	first_try "$n an any value, ranges, a default" "$@" llm-ask --schema 'meta any, bio str ..3: short, n int 1..5 = 2, u uri' \
		'SIM-REPLY: {"meta":[1],"bio":"ab","n":2,"u":"http://x"}'
	first_try "$n an object without properties" "$@" llm-ask \
		--schema '{"type":"object","properties":{"a":{"type":"object"}},"required":["a"]}' 'SIM-REPLY: {"a":{"x":1}}'
	first_try "$n streamed --schema" "$@" llm-ask --stream --schema "$NESTED" "$NREPLY"
	first_try "$n everything" "$@" llm-ask --system 'Be brief.' --temperature 0.3 --max-tokens 50 \
		--schema "$NESTED" "$NREPLY"
done

# JSON mode through llm-serve, asked streamed: Cloudflare cannot stream it,
# so the adapter asks whole
export CLOUDFLARE_API_TOKEN=c1 CLOUDFLARE_MODELS=@cf/x/y LLM_SERVE_TOKENS=tok1
start_serve
: >"$SIM_LOG"
req "$SRV/v1/chat/completions" -H 'Authorization: Bearer tok1' -H 'Content-Type: application/json' -d '{"model":"@cf/x/y","stream":true,
	"response_format":{"type":"json_object"},"messages":[{"role":"user","content":"SIM-REPLY: {\"a\":1}"}]}'
is "$code" 200 "cloudflare JSON mode asked streamed: 200"
is "$(jq -c '[.status, .body.stream, .body.response_format.type]' "$SIM_LOG" | tr '\n' ' ')" '[200,false,"json_object"] ' \
	"cloudflare JSON mode asked streamed: one request, not streamed, taken"
stop_serve
unset CLOUDFLARE_API_TOKEN CLOUDFLARE_MODELS LLM_SERVE_TOKENS

# ---- Cloudflare's empty answer: the documented shapes know no filter
# signal on Workers AI, so an empty "response" with 0 completion tokens is
# a bad_response that fails over, not a block that ends the call
for mode in whole streamed; do
	o=; [ $mode = streamed ] && o=--stream
	: >"$SIM_LOG"
	run env CLOUDFLARE_API_TOKEN=cfe+block CLOUDFLARE_MODELS=@cf/x/y ZZ_API_KEY=k1 ZZ_BASE_URL="$SIM/v1" ZZ_MODELS=m1 \
		llm-ask -v $o --strategy sequential 'SIM-REPLY: from zz'
	is "$rc" 0 "cloudflare empty $mode answer: exit 0"
	is "$out" "from zz" "cloudflare empty $mode answer: the next entry answered"
	like "$err" 'bad_response \(HTTP 200\) [0-9]+ ms: HTTP 200: empty answer with 0 completion tokens' \
		"cloudflare empty $mode answer: bad_response, named"
	is "$(jq -r .path "$SIM_LOG" | sed 's,.*/,,' | tr '\n' ' ')" "y completions " "cloudflare empty $mode answer: failed over"
done
run env CLOUDFLARE_API_TOKEN=cfe+block CLOUDFLARE_MODELS=@cf/x/y llm-ask 'SIM-REPLY: x'
is "$rc" 69 "cloudflare empty answer, no other entry: exit 69"
unlike "$err" 'blocked' "cloudflare empty answer, no other entry: not called blocked"

# ---- every request fixture keeps the rules its simulator enforces
for f in "$TOP"/tests/fixtures/*-request.json; do
	b=$(basename "$f")
	case $b in
	openai-*) oai "@$f" ;;
	gemini-*) gem "@$f" ;;
	cloudflare-*) cf "@$f" ;;
	*) ok "$b: skipped: llm-sim has no ${b%%-*} API # SKIP not simulated"; continue ;;
	esac
	is "$code" 200 "fixture $b: taken by llm-sim"
	[ "$code" = 200 ] || diag "$body"
done
done_testing

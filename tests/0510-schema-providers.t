#!/bin/sh
# Structured output in llm-ask and llm-map: the schema reaches each provider
# in its own form (checked in the request llm-sim received), answers are
# validated with llm-fmt's code, re-asked once, then failed over; an entry
# that rejects the schema gets it in the prompt instead, unpenalised.
. "$(dirname "$0")/lib.sh"
exec </dev/null
start_sim
sim_env
export LLM_STATE=memory
S='name, age int'
reply='SIM-REPLY: {"name":"Ada","age":36}'
last() { tail -n 1 "$SIM_LOG"; }

# OpenAI-compatible: response_format json_schema, strict, with the schema
run env OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 llm-ask --schema "$S" "$reply"
is "$rc" 0 "openai: exit 0"
is "$out" '{"name":"Ada","age":36}' "openai: the data, one JSON line"
b=$(last | jq -c '.body.response_format')
is "$(printf '%s\n' "$b" | jq -r .type)" json_schema "openai: response_format json_schema"
is "$(printf '%s\n' "$b" | jq -r .json_schema.strict)" true "openai: strict"
is "$(printf '%s\n' "$b" | jq -c .json_schema.schema.properties)" '{"name":{"type":"string"},"age":{"type":"integer"}}' "openai: the schema's properties"

# OpenAI strict mode's own dialect: every object closed, every key in
# required, an optional one as a union with null, nested objects too
run env OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 llm-ask --schema 'name, city str?, at {street, zip int?}' \
	'SIM-REPLY: {"name":"Ada","city":null,"at":{"street":"x","zip":null}}'
is "$rc" 0 "openai strict: exit 0"
is "$out" '{"name":"Ada","city":null,"at":{"street":"x","zip":null}}' "openai strict: the data"
b=$(last | jq -c '.body.response_format.json_schema.schema')
is "$(printf '%s\n' "$b" | jq -c '[.required, .at.required, .properties.at.required]')" '[["name","city","at"],null,["street","zip"]]' \
	"openai strict: every property required, at every level"
is "$(printf '%s\n' "$b" | jq -c '[.additionalProperties, .properties.at.additionalProperties]')" '[false,false]' \
	"openai strict: additionalProperties false on every object"
is "$(printf '%s\n' "$b" | jq -c '[.properties.city.type, .properties.at.properties.zip.type]')" '[["string","null"],["integer","null"]]' \
	"openai strict: optional properties as a union with null"

# --multi: strict mode's root is an object, so the array goes under "items"
# and comes back out of it
run env OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 llm-ask --multi --schema "$S" \
	'SIM-REPLY: {"items":[{"name":"A","age":1},{"name":"B","age":2}]}'
is "$rc" 0 "openai --multi: exit 0"
is "$out" '{"name":"A","age":1}
{"name":"B","age":2}' "openai --multi: the items, unwrapped"
b=$(last | jq -c '.body.response_format.json_schema.schema')
is "$(printf '%s\n' "$b" | jq -c '[.type, .required, .additionalProperties, .properties.items.type]')" '["object",["items"],false,"array"]' \
	"openai --multi: an object root holding the array"
# a schema strict mode cannot say (any value): strict false, not a sure 400
run env OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 llm-ask --schema 'name, extra any' 'SIM-REPLY: {"name":"A","extra":[1]}'
is "$rc" 0 "openai any: exit 0"
is "$(last | jq -c '.body.response_format.json_schema.strict')" false "openai any: sent with strict false"

# Gemini native: generationConfig.responseMimeType + responseSchema, its
# OpenAPI subset (upper-case types, nullable, propertyOrdering)
run env GEMINI_API_KEY_1=g1 GEMINI_MODELS=gemini-x llm-ask --schema "$S, city str?" "$reply"
is "$rc" 0 "gemini: exit 0"
is "$out" '{"name":"Ada","age":36,"city":null}' "gemini: the data (the optional key filled with null)"
g=$(last | jq -c '.body.generationConfig')
is "$(printf '%s\n' "$g" | jq -r .responseMimeType)" application/json "gemini: responseMimeType"
is "$(printf '%s\n' "$g" | jq -c '.responseSchema | [.type, .properties.age.type, .properties.city.nullable, .required, .propertyOrdering]')" \
	'["OBJECT","INTEGER",true,["name","age"],["name","age","city"]]' "gemini: responseSchema in Gemini's form"
is "$(printf '%s\n' "$g" | jq -c 'has("responseJsonSchema")')" false "gemini: not also responseJsonSchema"
run env GEMINI_API_KEY_1=g1 GEMINI_MODELS=gemini-x llm-ask --schema 'name, extra any' 'SIM-REPLY: {"name":"A","extra":[1]}'
is "$rc" 0 "gemini any: exit 0"
is "$(last | jq -c '.body.generationConfig | [has("responseSchema"), .responseJsonSchema.type]')" '[false,"object"]' \
	"gemini any: responseJsonSchema, which has a word for any value"

# Cloudflare native: response_format json_schema is the bare schema, no stream
run env CLOUDFLARE_API_TOKEN=cf1 CLOUDFLARE_MODELS=@cf/x/y llm-ask --schema "$S" "$reply"
is "$rc" 0 "cloudflare: exit 0"
is "$out" '{"name":"Ada","age":36}' "cloudflare: the data (result.response is an object)"
c=$(last | jq -c '.body')
is "$(printf '%s\n' "$c" | jq -r .response_format.type)" json_schema "cloudflare: response_format json_schema"
is "$(printf '%s\n' "$c" | jq -r .response_format.json_schema.properties.name.type)" string "cloudflare: the bare schema"
is "$(printf '%s\n' "$c" | jq -r '.stream // false')" false "cloudflare: no stream with a schema"

# Zhipu: JSON mode, the schema in the system prompt
run env ZHIPU_API_KEY=z1 ZHIPU_MODELS=glm-x llm-ask --schema "$S" "$reply"
is "$rc" 0 "zhipu: exit 0"
z=$(last | jq -c '.body')
is "$(printf '%s\n' "$z" | jq -r .response_format.type)" json_object "zhipu: json_object"
like "$(printf '%s\n' "$z" | jq -r '.messages[0].content')" '"age":\{"type":"integer"\}' "zhipu: the schema in the system message"

# an entry that rejects the schema: unsupported, then JSON mode + prompt on it
run env OPENAI_API_KEY_1=ns+noschema OPENAI_MODELS=m1 llm-ask -v --schema "$S" "$reply"
is "$rc" 0 "noschema: exit 0"
like "$err" 'unsupported \(HTTP 400\)' "noschema: the refusal is unsupported"
is "$(last | jq -r .body.response_format.type)" json_object "noschema: asked again in JSON mode"
like "$(last | jq -r '.body.messages[0].content')" 'JSON Schema' "noschema: with the schema in the prompt"

# an answer that does not validate: re-asked once on the same entry, with the errors, then failover
run env OPENAI_API_KEY_1=a1 OPENAI_API_KEY_2=a2 OPENAI_MODELS=m1 \
	llm-ask --strategy sequential --json --schema "$S" 'SIM-REPLY: {"name":"Ada","age":"old"}'
is "$rc" 69 "invalid answers: exit 69"
is "$(printf '%s\n' "$out" | jq -r '.error.kind')" bad_response "invalid answers: bad_response"
is "$(printf '%s\n' "$out" | jq -r '[.attempts[].entry] | join(" ")')" "openai-1:m1 openai-1:m1 openai-2:m1 openai-2:m1" \
	"invalid answers: one re-ask per entry, then the next entry"
like "$(printf '%s\n' "$out" | jq -r .error.message)" '\$\.age: expected integer' "invalid answers: the path and reason"
reask=$(jq -s -c '[.[] | select(.key == "a1")][1].body.messages' "$SIM_LOG")
is "$(printf '%s\n' "$reask" | jq -r '.[1].role + " " + .[2].role')" "assistant user" "re-ask: carries the answer and the errors"
like "$(printf '%s\n' "$reask" | jq -r '.[2].content')" 'expected integer' "re-ask: names the error"

# --to: the data in llm-fmt's forms
run env OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 llm-ask --schema "$S" --to sh "$reply"
is "$out" "LLM_name='Ada'
LLM_age='36'" "--to sh"
run env OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 llm-ask --schema "$S" --to tsv "$reply"
is "$out" "Ada	36" "--to tsv"
run env OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 llm-ask --to sh "$reply"
is "$rc" 2 "--to without --schema: usage error"

# llm-map --schema: records carry data; a bad answer is its own error record
printf '%s\n' "$reply" 'SIM-REPLY: no json here' > in.txt
run env OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 llm-map -q --schema "$S" . in.txt
is "$rc" 1 "llm-map --schema: exit 1 (one item failed)"
is "$(printf '%s\n' "$out" | jq -c 'select(.i == 0) | .data')" '{"name":"Ada","age":36}' "llm-map: data in the record"
is "$(printf '%s\n' "$out" | jq -r 'select(.i == 1) | .error.kind')" bad_response "llm-map: the bad answer is bad_response"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 2 "llm-map: one record per input line"

# --multi: many items of the schema in one answer
run env OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 llm-ask --multi --schema "$S" \
	'SIM-REPLY: [{"name":"A","age":1},{"name":"B","age":2}]'
is "$out" '{"name":"A","age":1}
{"name":"B","age":2}' "--multi: one line per item"
done_testing

#!/bin/sh
# llm-serve's Anthropic Messages wire (POST /v1/messages, count_tokens):
# the answer's shape, the stream's exact event sequence, what the simulator
# received, refusals naming what is not supported, Anthropic's error shapes
# and statuses, x-api-key and Bearer, anthropic-beta and ?beta=true.
. "$(dirname "$0")/lib.sh"

msg() { req "$SRV/v1/messages${2-}" -H 'Content-Type: application/json' -H 'x-api-key: tok1' \
	-H 'anthropic-version: 2023-06-01' -d "$1"; }
simlast() { tail -1 "$SIM_LOG" | jq -c "$1"; }
events() { sed -n 's/^event: //p' "$T/b" | tr '\n' ' '; }

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 LLM_SERVE_TOKENS=tok1 LLM_STATE=memory
start_serve --strategy sequential --model-map 'claude-*=auto' -v

# ---- whole answer
msg '{"model":"claude-sonnet-4-5","max_tokens":30,"temperature":0.5,"system":[{"type":"text","text":"be brief"},{"type":"text","text":"and kind","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hello"},{"role":"assistant","content":[{"type":"text","text":"hi"}]},{"role":"user","content":[{"type":"text","text":"how"},{"type":"text","text":"are you"}]}]}'
is "$code" 200 "whole: 200"
is "$(jqb '[.type, .role, .model, .stop_reason, .stop_sequence, (.content|length), .content[0].type, .content[0].text] | tostring')" \
	'["message","assistant","claude-sonnet-4-5","end_turn",null,1,"text","echo: how\nare you"]' "whole: a message in Anthropic's shape"
is "$(jqb '(.id|startswith("msg_")) and (.usage.input_tokens > 0) and (.usage.output_tokens > 0)')" true "whole: id and usage"
is "$(simlast .body)" '{"model":"m1","messages":[{"role":"system","content":"be brief\nand kind"},{"role":"user","content":"hello"},{"role":"assistant","content":"hi"},{"role":"user","content":"how\nare you"}],"temperature":0.5,"max_completion_tokens":30,"stream":false}' \
	"whole: the exact request the simulator received"
is "$(hdr X-ManyLLM-Entry)" "openai-1:m1" "whole: X-ManyLLM-Entry"
like "$(cat "$T/serve.err")" '^llm-serve: POST /v1/messages 200 [0-9.]+ ms$' "-v: the request's line names its route"

# ---- Bearer too; ?beta=true and unknown anthropic-beta features
req "$SRV/v1/messages?beta=true" -H 'Content-Type: application/json' -H 'Authorization: Bearer tok1' \
	-H 'anthropic-beta: no-such-feature-2099-01-01,another' -d '{"model":"claude-x","max_tokens":5,"messages":[{"role":"user","content":"b"}]}'
is "$code:$(jqb .content[0].text)" "200:echo: b" "Bearer, ?beta=true and unknown anthropic-beta accepted"

# ---- stream: the exact event sequence
msg '{"model":"claude-haiku-4-5","max_tokens":30,"stream":true,"messages":[{"role":"user","content":"one two"}]}'
is "$code" 200 "stream: 200"
like "$(hdr Content-Type)" '^text/event-stream' "stream: text/event-stream"
is "$(events)" "message_start content_block_start ping content_block_delta content_block_delta content_block_delta content_block_stop message_delta message_stop " \
	"stream: Anthropic's event sequence"
is "$(grep -v '^$' "$T/b" | grep -vc '^event: \|^data: ')" 0 "stream: only event:, data: and blank lines"
is "$(sed -n 's/^data: //p' "$T/b" | jq -r .type | tr '\n' ' ')" "$(events)" "stream: each data's type is its event's name"
is "$(sed -n 's/^data: //p' "$T/b" | jq -rj 'select(.type=="content_block_delta") | .delta.text')" "echo: one two" "stream: text_delta pieces join to the answer"
is "$(sed -n 's/^data: //p' "$T/b" | head -1 | jq -c '.message | [.role, .model, .content, .stop_reason]')" '["assistant","claude-haiku-4-5",[],null]' "stream: message_start's message"
is "$(sed -n 's/^data: //p' "$T/b" | jq -c 'select(.type=="message_delta") | [.delta.stop_reason, (.usage.output_tokens > 0)]')" '["end_turn",true]' "stream: message_delta's stop_reason and usage"
is "$(simlast .body.stream)" true "stream: asked upstream as a stream"
stop_serve

# ---- a stream cut after output: an error event, no message_stop
export OPENAI_API_KEY_1='c1+cut' OPENAI_API_KEY_2='c2+cut'
start_serve --strategy sequential --retries 2 --model-map 'claude-*=auto'
msg '{"model":"claude-x","max_tokens":30,"stream":true,"messages":[{"role":"user","content":"one two three four five six"}]}'
is "$code" 200 "cut stream: 200 (the first bytes went out)"
is "$(events | grep -c message_stop)" 0 "cut stream: no message_stop"
is "$(sed -n 's/^event: //p' "$T/b" | tail -1)" error "cut stream: ends with an error event"
is "$(sed -n 's/^data: //p' "$T/b" | tail -1 | jq -c '[.type, .error.type, (.error.message|type)]')" '["error","api_error","string"]' "cut stream: Anthropic's error shape"
msg '{"model":"claude-x","max_tokens":30,"messages":[{"role":"user","content":"whole"}]}'
like "$code" '^50[23]$' "every entry fails: 502 or 503"
is "$(jqb '[.type, (.error.type|test("api_error|overloaded_error")), (.error.message|type)] | tostring')" '["error",true,"string"]' "every entry fails: Anthropic's error shape"
stop_serve

# ---- refusals and errors, each in Anthropic's shape with its status
export OPENAI_API_KEY_1=good1
unset OPENAI_API_KEY_2
start_serve --strategy sequential --model-map 'claude-*=auto'
n0=$(wc -l <"$SIM_LOG")
refuse() {
	msg "$1"
	is "$code:$(jqb '.type + " " + .error.type')" "400:error invalid_request_error" "$2: 400 invalid_request_error"
	like "$(jqb .error.message)" "$3" "$2: the message names it"
}
refuse '{"model":"claude-x","max_tokens":5,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"x"}]}' "a server tool" '^tools\[0\]\.type: web_search_20250305 tools are not supported'
refuse '{"model":"claude-x","max_tokens":5,"stop_sequences":"END","messages":[{"role":"user","content":"x"}]}' "stop_sequences a string" '^stop_sequences: expected an array of up to 4 non-empty strings'
refuse '{"model":"claude-x","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"text/plain","data":"aGk="}}]}]}' "image of type text/plain" '^messages\[0\]\.content\[0\]: a data URL of type text/plain'
refuse '{"model":"claude-x","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_result","tool_use_id":"t","content":"r"}]}]}' "an assistant's tool_result" '^messages\[0\]\.content\[0\]: tool_result blocks are not supported'
refuse '{"model":"claude-x","max_tokens":5,"top_k":1.5,"messages":[{"role":"user","content":"x"}]}' "top_k 1.5" '^top_k: expected a positive whole number'
refuse '{"model":"claude-x","messages":[{"role":"user","content":"x"}]}' "no max_tokens" '^max_tokens: required'
refuse '{"model":"claude-x","max_tokens":5,"temperature":1.5,"messages":[{"role":"user","content":"x"}]}' "temperature 1.5" '^temperature: expected a number from 0 to 1'
refuse '{"model":"claude-x","max_tokens":5,"messages":[{"role":"system","content":"x"}]}' "only a system message" '^messages: no user or assistant message'
refuse '{"model":"claude-x","max_tokens":5,"messages":[{"role":"tool","content":"x"}]}' "a tool role" 'role: expected user, assistant or system'
refuse '{"model":"claude-x","max_tokens":5,"messages":[]}' "no messages" '^messages: expected a non-empty array'
msg '{"model":"claude-x","max_tokens":5,"stop_sequences":[],"messages":[{"role":"user","content":"x"}]}'
is "$code" 200 "an empty stop_sequences is no request for anything: 200"
is "$(($(wc -l <"$SIM_LOG") - n0))" 1 "refused requests were never sent upstream"
msg '{"model":"gpt-4o","max_tokens":5,"messages":[{"role":"user","content":"x"}]}'
is "$code:$(jqb .error.type)" "404:not_found_error" "unmapped model: 404 not_found_error"
like "$(jqb .error.message)" "gpt-4o.*--model-map 'gpt-4o=auto'" "unmapped model: says how to map it"
req "$SRV/v1/messages" -H 'Content-Type: application/json' -H 'x-api-key: wrong' -d '{}'
is "$code:$(jqb '.type + " " + .error.type')" "401:error authentication_error" "wrong x-api-key: 401 authentication_error"
req "$SRV/v1/messages" -H 'Content-Type: application/json' -d '{}'
is "$code:$(jqb .error.type)" "401:authentication_error" "no key: 401"
req "$SRV/v1/messages" -H 'x-api-key: tok1'
is "$code:$(jqb .error.type):$(hdr Allow)" "405:invalid_request_error:POST" "GET: 405 in Anthropic's shape"
req "$SRV/v1/messages" -H 'x-api-key: tok1' -H 'Content-Type: text/plain' -d '{}'
is "$code:$(jqb .type)" "415:error" "text/plain: 415 in Anthropic's shape"
msg '{"model":'
is "$code:$(jqb .error.type)" "400:invalid_request_error" "invalid JSON: 400 in Anthropic's shape"

# ---- count_tokens: an estimate, no upstream call
n0=$(wc -l <"$SIM_LOG")
req "$SRV/v1/messages/count_tokens" -H 'Content-Type: application/json' -H 'x-api-key: tok1' \
	-d '{"model":"claude-x","system":"be brief","messages":[{"role":"user","content":"count these words please, all of them"}]}'
is "$code:$(jqb 'keys|join(",")')" "200:input_tokens" "count_tokens: 200 {input_tokens}"
is "$(jqb '.input_tokens > 5 and .input_tokens < 40')" true "count_tokens: a plausible estimate"
is "$(wc -l <"$SIM_LOG")" "$n0" "count_tokens: nothing sent upstream"
req "$SRV/v1/messages/count_tokens" -H 'Content-Type: application/json' -H 'x-api-key: tok1' \
	-d '{"model":"claude-x","tools":[{"name":"f"}],"messages":[{"role":"user","content":"x"}]}'
is "$code:$(jqb .error.type)" "400:invalid_request_error" "count_tokens with tools: 400"
req "$SRV/metrics" -H 'x-api-key: tok1'
like "$body" 'llm_serve_requests_total\{route="/v1/messages",status="200"\} [1-9]' "metrics: /v1/messages counted"
like "$body" 'llm_serve_requests_total\{route="/v1/messages/count_tokens",status="200"\} 1' "metrics: count_tokens counted"
stop_serve

done_testing

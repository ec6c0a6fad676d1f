#!/bin/sh
# llm-serve's OpenAI Responses wire (POST /v1/responses), text only: the
# response object (every field OpenAI's OpenAPI document requires), the
# stream's response.* events in order, what the simulator received, and
# refusals naming what is not supported (previous_response_id, tools,
# function_call_output items; images go on, see 0731-serve-images.t).
. "$(dirname "$0")/lib.sh"

resp() { req "$SRV/v1/responses" -H 'Content-Type: application/json' -H 'Authorization: Bearer tok1' -d "$1"; }
simlast() { tail -1 "$SIM_LOG" | jq -c "$1"; }

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 LLM_SERVE_TOKENS=tok1 LLM_STATE=memory
start_serve --strategy sequential --model-map 'gpt-5*=m*'

# ---- whole
resp '{"model":"gpt-5","instructions":"be brief","input":[{"role":"developer","content":"and kind"},{"role":"user","content":"hello"},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hi"}]},{"role":"user","content":[{"type":"input_text","text":"how "},{"type":"input_text","text":"are you"}]}],"max_output_tokens":40,"temperature":0.3,"store":false}'
is "$code" 200 "whole: 200"
# the required fields of Response, OutputMessage, OutputTextContent and
# ResponseUsage in OpenAI's OpenAPI document
is "$(jqb '[ "id","object","created_at","error","incomplete_details","instructions","model","tools","output","parallel_tool_calls","metadata","tool_choice","temperature","top_p" ] - keys | length')" 0 "whole: every field a Response requires"
is "$(jqb '.output[0] as $m | ["id","type","role","content","status"] - ($m|keys) | length')" 0 "whole: every field an output message requires"
is "$(jqb '.output[0].content[0] as $c | ["type","text","annotations","logprobs"] - ($c|keys) | length')" 0 "whole: every field output_text requires"
is "$(jqb '.usage as $u | ["input_tokens","input_tokens_details","output_tokens","output_tokens_details","total_tokens"] - ($u|keys) | length')" 0 "whole: every field usage requires"
is "$(jqb '[.object, .status, .output[0].type, .output[0].role, .output[0].content[0].type, .output[0].content[0].text, .instructions, .temperature, .max_output_tokens] | tostring')" \
	'["response","completed","message","assistant","output_text","echo: how are you","be brief\n\nand kind",0.3,40]' "whole: the answer and the echoed parameters"
is "$(jqb '(.id|startswith("resp_")) and (.usage.total_tokens == .usage.input_tokens + .usage.output_tokens)')" true "whole: id and usage"
is "$(simlast .body)" '{"model":"m1","messages":[{"role":"system","content":"be brief\n\nand kind"},{"role":"user","content":"hello"},{"role":"assistant","content":"hi"},{"role":"user","content":"how are you"}],"temperature":0.3,"max_completion_tokens":40,"stream":false}' \
	"whole: the exact request the simulator received"
resp '{"model":"gpt-5-mini","input":"plain string"}'
is "$code:$(jqb .output[0].content[0].text)" "200:echo: plain string" "input as a string"

# ---- stream
resp '{"model":"gpt-5","input":"one two","stream":true}'
is "$code" 200 "stream: 200"
like "$(hdr Content-Type)" '^text/event-stream' "stream: text/event-stream"
is "$(sed -n 's/^event: //p' "$T/b" | tr '\n' ' ')" "response.created response.in_progress response.output_item.added response.content_part.added response.output_text.delta response.output_text.delta response.output_text.delta response.output_text.done response.content_part.done response.output_item.done response.completed " \
	"stream: the response.* events in order"
is "$(sed -n 's/^data: //p' "$T/b" | jq -r .type | tr '\n' ' ')" "$(sed -n 's/^event: //p' "$T/b" | tr '\n' ' ')" "stream: each data's type is its event's name"
is "$(sed -n 's/^data: //p' "$T/b" | jq -r .sequence_number | tr '\n' ' ')" "0 1 2 3 4 5 6 7 8 9 10 " "stream: sequence numbers 0, 1, 2..."
is "$(sed -n 's/^data: //p' "$T/b" | jq -rj 'select(.type=="response.output_text.delta") | .delta')" "echo: one two" "stream: deltas join to the answer"
is "$(sed -n 's/^data: //p' "$T/b" | jq -r 'select(.type=="response.output_text.done") | .text')" "echo: one two" "stream: output_text.done carries the whole text"
is "$(sed -n 's/^data: //p' "$T/b" | tail -1 | jq -c '.response | [.status, .output[0].content[0].text, (.usage.output_tokens > 0)]')" '["completed","echo: one two",true]' "stream: response.completed carries the response"
is "$(sed -n 's/^data: //p' "$T/b" | head -1 | jq -c '.response | [.status, .output]')" '["in_progress",[]]' "stream: response.created is in progress"
stop_serve

# ---- a stream cut after output: an error event, no response.completed
export OPENAI_API_KEY_1='c1+cut' OPENAI_API_KEY_2='c2+cut'
start_serve --strategy sequential --retries 2
resp '{"input":"one two three four five six","stream":true}'
is "$code" 200 "cut stream: 200 (the first bytes went out)"
is "$(grep -c '^event: response.completed' "$T/b")" 0 "cut stream: no response.completed"
is "$(sed -n 's/^data: //p' "$T/b" | tail -1 | jq -c '[.type, (.message|type), (.code|type)]')" '["error","string","string"]' "cut stream: ends with an error event"
stop_serve

# ---- refusals: 400 naming what is not supported, nothing sent
export OPENAI_API_KEY_1=good1
unset OPENAI_API_KEY_2
start_serve --strategy sequential --model-map 'gpt-5*=m*'
n0=$(wc -l <"$SIM_LOG")
refuse() {
	resp "$1"
	is "$code:$(jqb .error.type)" "400:invalid_request_error" "$2: 400"
	like "$(jqb .error.message)" "$3" "$2: the message names it"
}
refuse '{"model":"gpt-5","input":"x","previous_response_id":"resp_1"}' previous_response_id '^previous_response_id: this server stores no responses'
refuse '{"model":"gpt-5","input":"x","tools":[{"type":"function","name":"f","parameters":{}},{"type":"web_search"}]}' "a web_search tool" '^tools\[1\]\.type: web_search tools are not supported'
refuse '{"model":"gpt-5","input":[{"type":"computer_call_output","call_id":"c","output":{}}]}' computer_call_output '^input\[0\]: computer_call_output items are not supported'
refuse '{"model":"gpt-5","input":[{"role":"user","content":[{"type":"input_image","image_url":"ftp://host/a.png"}]}]}' "input_image by ftp" '^input\[0\]\.content\[0\]: the image URL must be a base64 data: URL or http\(s\)'
refuse '{"model":"gpt-5","input":"x","text":{"format":{"type":"json_object"}}}' text.format '^text\.format'
refuse '{"model":"gpt-5","input":"x","top_p":1.5}' "top_p 1.5" '^top_p: expected a number from 0 to 1'
refuse '{"model":"gpt-5","input":[]}' "empty input" '^input: expected'
refuse '{"model":"gpt-5","input":"x","max_output_tokens":0}' max_output_tokens '^max_output_tokens: expected a positive whole number'
is "$(wc -l <"$SIM_LOG")" "$n0" "refused requests were never sent upstream"
resp '{"model":"gpt-5","input":"x","store":false}'
is "$code" 200 "store: false accepted"
resp '{"model":"o3","input":"x"}'
is "$code:$(jqb .error.code)" "404:model_not_found" "unmapped model: 404 model_not_found"
stop_serve

done_testing

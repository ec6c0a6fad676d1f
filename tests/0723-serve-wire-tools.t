#!/bin/sh
# Tools on llm-serve's Anthropic Messages and OpenAI Responses wires, at the
# byte level: tools, tool_choice and the conversation's calls and results
# as the simulator received them (OpenAI chat shapes), the answers' tool_use
# blocks / function_call items whole, the exact event sequences streamed
# (asked whole upstream, so a rate-limited entry fails over before the first
# byte), and 400s naming what is not served (server tools, other tool
# types, reasoning effort...), nothing sent. Also llm-sim's CALL rule on a
# later line of the user's text, as agents write it.
. "$(dirname "$0")/lib.sh"

msg() { req "$SRV/v1/messages" -H 'Content-Type: application/json' -H 'x-api-key: tok1' -d "$1"; }
resp() { req "$SRV/v1/responses" -H 'Content-Type: application/json' -H 'Authorization: Bearer tok1' -d "$1"; }
simlast() { tail -1 "$SIM_LOG" | jq -c "$1"; }
nlog() { wc -l <"$SIM_LOG" | tr -d ' '; }
events() { sed -n 's/^event: //p' "$T/b" | tr '\n' ' '; }
datas() { tr -d '\r' <"$T/b" | sed -n 's/^data: //p'; }
ask='CALL write_file {\"path\":\"a.txt\",\"text\":\"hi\"}'
schema='{"type":"object","properties":{"path":{"type":"string"},"text":{"type":"string"}}}'
atools="\"tools\":[{\"name\":\"write_file\",\"description\":\"writes a file\",\"input_schema\":$schema,\"cache_control\":{\"type\":\"ephemeral\"}}]"
rtools="\"tools\":[{\"type\":\"function\",\"name\":\"write_file\",\"description\":\"writes a file\",\"parameters\":$schema,\"strict\":false}]"
neutral_tools="[{\"type\":\"function\",\"function\":{\"name\":\"write_file\",\"description\":\"writes a file\",\"parameters\":$schema}}]"

start_sim
sim_env
# the first entry answers 429 (retry in 60 s)
export OPENAI_API_KEY_1='rl+retry=60' OPENAI_API_KEY_2=good2 OPENAI_MODELS=m1
export LLM_SERVE_TOKENS=tok1 LLM_STATE=memory
start_serve --strategy sequential --model-map 'claude-*=auto' --model-map 'gpt-5*=auto'

# ---- Anthropic: a streamed call, failing over before the first byte
msg "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"stream\":true,\"thinking\":{\"type\":\"adaptive\"},\"system\":[{\"type\":\"text\",\"text\":\"be brief\"}],$atools,\"tool_choice\":{\"type\":\"auto\",\"disable_parallel_tool_use\":true},\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"<context>\\nfrom the agent</context>\"},{\"type\":\"text\",\"text\":\"$ask\"}]}]}"
is "$code:$(hdr X-ManyLLM-Attempts):$(hdr X-ManyLLM-Entry)" "200:2:openai-2:m1" "anthropic stream: 200 after failing over"
is "$(head -2 "$SIM_LOG" | jq -r '.status' | tr '\n' ' ')" "429 200 " "anthropic stream: the 429, then the good entry"
is "$(events)" "message_start ping content_block_start content_block_delta content_block_stop message_delta message_stop " \
	"anthropic stream: the event sequence of a tool_use answer"
is "$(datas | jq -c 'select(.type | test("content_block")) | del(.type)' | tr '\n' ' ')" \
	'{"index":0,"content_block":{"type":"tool_use","id":"call_sim_write_file","name":"write_file","input":{}}} {"index":0,"delta":{"type":"input_json_delta","partial_json":"{\"path\":\"a.txt\",\"text\":\"hi\"}"}} {"index":0} ' \
	"anthropic stream: content_block_start tool_use, input_json_delta, stop"
is "$(datas | jq -c 'select(.type == "message_delta") | .delta')" '{"stop_reason":"tool_use","stop_sequence":null}' \
	"anthropic stream: stop_reason tool_use"
is "$(simlast '[.body.tools, .body.tool_choice, .body.parallel_tool_calls, .body.stream, .body.messages]')" \
	"[$neutral_tools,\"auto\",false,false,[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"<context>\\nfrom the agent</context>\\n$ask\"}]]" \
	"anthropic stream: tools, tool_choice, disable_parallel_tool_use as received; asked whole upstream"

# ---- Anthropic: the round trip, whole; tool_choice forms
hist="{\"role\":\"user\",\"content\":\"$ask\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"s\"},{\"type\":\"text\",\"text\":\"writing\"},{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"write_file\",\"input\":{\"path\":\"a.txt\",\"text\":\"hi\"}}]}"
msg "{\"model\":\"claude-x\",\"max_tokens\":100,$atools,\"messages\":[$hist,{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":[{\"type\":\"text\",\"text\":\"wrote\"},{\"type\":\"text\",\"text\":\"2 bytes\"}]},{\"type\":\"text\",\"text\":\"and then?\"}]},{\"role\":\"system\",\"content\":\"mid-conversation note\"}]}"
is "$code" 200 "anthropic result: 200"
is "$(simlast '.body.messages')" \
	"[{\"role\":\"system\",\"content\":\"mid-conversation note\"},{\"role\":\"user\",\"content\":\"$ask\"},{\"role\":\"assistant\",\"content\":\"writing\",\"tool_calls\":[{\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":\"write_file\",\"arguments\":\"{\\\"path\\\":\\\"a.txt\\\",\\\"text\\\":\\\"hi\\\"}\"}}]},{\"role\":\"tool\",\"content\":\"wrote\\n2 bytes\",\"tool_call_id\":\"toolu_1\"},{\"role\":\"user\",\"content\":\"and then?\"}]" \
	"anthropic result: thinking dropped, text and tool_use as a call, the result before the user's text, a system message into the system prompt"
msg "{\"model\":\"claude-x\",\"max_tokens\":100,$atools,\"messages\":[$hist,{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"no space\",\"is_error\":true}]}]}"
is "$(jq -c '[.content, .stop_reason]' "$T/b")" '[[{"type":"text","text":"tool said: Error: no space"}],"end_turn"]' "anthropic result: is_error marked in the text, a text answer"
msg "{\"model\":\"claude-x\",\"max_tokens\":100,$atools,\"tool_choice\":{\"type\":\"tool\",\"name\":\"write_file\"},\"messages\":[{\"role\":\"user\",\"content\":\"$ask\"}]}"
is "$(jq -c '[.content, .stop_reason]' "$T/b")" '[[{"type":"tool_use","id":"call_sim_write_file","name":"write_file","input":{"path":"a.txt","text":"hi"}}],"tool_use"]' \
	"anthropic whole: a tool_use block, stop_reason tool_use"
is "$(simlast .body.tool_choice)" '{"type":"function","function":{"name":"write_file"}}' "anthropic tool_choice tool: a named function"
for c in 'any|"required"' 'none|"none"'; do
	msg "{\"model\":\"claude-x\",\"max_tokens\":100,$atools,\"tool_choice\":{\"type\":\"${c%%|*}\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"
	is "$code:$(simlast .body.tool_choice)" "200:${c#*|}" "anthropic tool_choice ${c%%|*}: ${c#*|}"
done

# ---- Responses: a streamed call, then the round trip
resp "{\"model\":\"gpt-5\",\"stream\":true,\"reasoning\":{\"summary\":\"auto\"},\"include\":[\"reasoning.encrypted_content\"],\"parallel_tool_calls\":false,$rtools,\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"$ask\"}]}]}"
is "$code" 200 "responses stream: 200"
is "$(events)" "response.created response.in_progress response.output_item.added response.function_call_arguments.delta response.function_call_arguments.done response.output_item.done response.completed " \
	"responses stream: the event sequence of a function call"
is "$(datas | jq -c 'select(.type | test("output_item|arguments")) | [.output_index, (.item // {} | [.type, .status, .call_id, .name, .arguments]), .delta, .arguments, .name]' | tr '\n' ' ')" \
	'[0,["function_call","in_progress","call_sim_write_file","write_file",""],null,null,null] [0,[null,null,null,null,null],"{\"path\":\"a.txt\",\"text\":\"hi\"}",null,null] [0,[null,null,null,null,null],null,"{\"path\":\"a.txt\",\"text\":\"hi\"}","write_file"] [0,["function_call","completed","call_sim_write_file","write_file","{\"path\":\"a.txt\",\"text\":\"hi\"}"],null,null,null] ' \
	"responses stream: the item added, the arguments' delta and done, the item done"
is "$(datas | tail -1 | jq -c '.response | [.status, [.output[].type], .parallel_tool_calls, [.tools[].name]]')" '["completed",["function_call"],false,["write_file"]]' \
	"responses stream: response.completed holds the call; tools and parallel_tool_calls echoed"
is "$(datas | jq -r .sequence_number | tr '\n' ' ')" "0 1 2 3 4 5 6 " "responses stream: sequence numbers in order"
is "$(simlast '[.body.tools, .body.parallel_tool_calls, .body.stream]')" "[$neutral_tools,false,false]" "responses stream: asked whole upstream"
call=$(datas | tail -1 | jq -c '.response.output[0]')
resp "{\"model\":\"gpt-5\",$rtools,\"tool_choice\":{\"type\":\"function\",\"name\":\"write_file\"},\"input\":[{\"role\":\"user\",\"content\":\"$ask\"},{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]},{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"writing\"}]},$call,{\"type\":\"function_call_output\",\"call_id\":\"call_sim_write_file\",\"output\":\"wrote 2 bytes\"}]}"
is "$code:$(jqb '.output[0].content[0].text')" "200:tool said: wrote 2 bytes" "responses result: the text from the tool's result"
is "$(jq -c .tool_choice "$T/b")" '{"type":"function","name":"write_file"}' "responses result: tool_choice echoed"
is "$(simlast '[.body.messages, .body.tool_choice]')" \
	"[[{\"role\":\"user\",\"content\":\"$ask\"},{\"role\":\"assistant\",\"content\":\"writing\",\"tool_calls\":[{\"id\":\"call_sim_write_file\",\"type\":\"function\",\"function\":{\"name\":\"write_file\",\"arguments\":\"{\\\"path\\\":\\\"a.txt\\\",\\\"text\\\":\\\"hi\\\"}\"}}]},{\"role\":\"tool\",\"content\":\"wrote 2 bytes\",\"tool_call_id\":\"call_sim_write_file\"}],{\"type\":\"function\",\"function\":{\"name\":\"write_file\"}}]" \
	"responses result: reasoning skipped, the call onto the assistant's message, the output as a tool result"
resp "{\"model\":\"gpt-5\",$rtools,\"input\":\"$ask\"}"
is "$(jq -c '[.output[] | [.type, .call_id, .name, .arguments, .status]]' "$T/b")" '[["function_call","call_sim_write_file","write_file","{\"path\":\"a.txt\",\"text\":\"hi\"}","completed"]]' \
	"responses whole: one function_call item"

# ---- count_tokens counts the tool declarations too
n0=$(nlog)
req "$SRV/v1/messages/count_tokens" -H 'Content-Type: application/json' -H 'x-api-key: tok1' -d '{"model":"claude-x","messages":[{"role":"user","content":"x"}]}'
bare=$(jqb .input_tokens)
req "$SRV/v1/messages/count_tokens" -H 'Content-Type: application/json' -H 'x-api-key: tok1' -d "{\"model\":\"claude-x\",$atools,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"
is "$code:$(jqb "$bare + 30 < .input_tokens")" "200:true" "count_tokens: tool declarations counted (about a quarter of their JSON's bytes)"
is "$(nlog)" "$n0" "count_tokens: nothing sent"

# ---- refused before sending
n0=$(nlog)
refuse_msg() {
	msg "$1"
	is "$code:$(jqb .error.type)" "400:invalid_request_error" "anthropic $2: 400"
	like "$(jqb .error.message)" "$3" "anthropic $2: named"
}
refuse_msg '{"model":"claude-x","max_tokens":5,"tools":[{"type":"bash_20250124","name":"bash"}],"messages":[{"role":"user","content":"x"}]}' "server tool" '^tools\[0\]\.type: bash_20250124 tools are not supported'
refuse_msg '{"model":"claude-x","max_tokens":5,"tools":[{"name":"f"}],"messages":[{"role":"user","content":"x"}]}' "no input_schema" '^tools\[0\]\.input_schema: expected an object'
refuse_msg "{\"model\":\"claude-x\",\"max_tokens\":5,$atools,\"tool_choice\":{\"type\":\"sometimes\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}" "tool_choice" '^tool_choice\.type: expected auto, any, tool or none'
refuse_msg "{\"model\":\"claude-x\",\"max_tokens\":5,$atools,\"tool_choice\":{\"type\":\"tool\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}" "tool_choice without a name" '^tool_choice\.name: expected a string'
refuse_msg '{"model":"claude-x","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f"}]}]}' "tool_use without input" '^messages\[0\]\.content\[0\]: a tool_use block needs'
refuse_msg '{"model":"claude-x","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","content":"r"}]}]}' "tool_result without tool_use_id" '^messages\[0\]\.content\[0\]\.tool_use_id: expected a string'
refuse_msg '{"model":"claude-x","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"image","source":{}}]}]}]}' "an image in a tool_result" '^messages\[0\]\.content\[0\]\.content\[0\]: image blocks are not supported'
refuse_msg '{"model":"claude-x","max_tokens":5,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"x"}]}' "thinking enabled" '^thinking: not supported'
refuse_resp() {
	resp "$1"
	is "$code:$(jqb .error.type)" "400:invalid_request_error" "responses $2: 400"
	like "$(jqb .error.message)" "$3" "responses $2: named"
}
refuse_resp '{"model":"gpt-5","input":"x","tools":[{"type":"namespace","name":"ns","tools":[]}]}' "namespace tool" '^tools\[0\]\.type: namespace tools are not supported'
refuse_resp '{"model":"gpt-5","input":"x","tools":[{"type":"file_search","vector_store_ids":["v"]}]}' "file_search tool" '^tools\[0\]\.type: file_search tools are not supported'
refuse_resp '{"model":"gpt-5","input":"x","tools":[{"type":"function","parameters":{}}]}' "a function without a name" '^tools\[0\]\.name: expected a non-empty string'
refuse_resp "{\"model\":\"gpt-5\",\"input\":\"x\",$rtools,\"tool_choice\":{\"type\":\"web_search\"}}" "tool_choice web_search" '^tool_choice: expected auto, none, required'
refuse_resp '{"model":"gpt-5","input":"x","reasoning":{"effort":"high"}}' "reasoning effort" '^reasoning\.effort: not supported'
refuse_resp '{"model":"gpt-5","input":"x","include":["file_search_call.results"]}' "include" '^include: only reasoning\.encrypted_content'
refuse_resp '{"model":"gpt-5","input":[{"type":"function_call","name":"f","arguments":"{}"}]}' "function_call without call_id" '^input\[0\]: a function_call item needs call_id'
refuse_resp '{"model":"gpt-5","input":[{"type":"function_call_output","output":"o"}]}' "function_call_output without call_id" '^input\[0\]\.call_id: expected a string'
is "$(nlog)" "$n0" "nothing refused was sent"

# ---- llm-sim: CALL on a later line of the user's text; arguments end the line
req "$SIM/v1/chat/completions" -H 'Authorization: Bearer good' -H 'Content-Type: application/json' \
	-d "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"<context>agent</context>\\n$ask\\nthanks\"}],\"tools\":$neutral_tools}"
is "$code:$(jq -c '.choices[0].message.tool_calls[0].function' "$T/b")" '200:{"name":"write_file","arguments":"{\"path\":\"a.txt\",\"text\":\"hi\"}"}' \
	"llm-sim: a CALL line after the agent's context is a call"
req "$SIM/v1/chat/completions" -H 'Authorization: Bearer good' -H 'Content-Type: application/json' \
	-d "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"please CALL write_file {}\"}],\"tools\":$neutral_tools}"
is "$code:$(jqb '.choices[0].finish_reason')" "200:stop" "llm-sim: CALL within a line is no call"
done_testing

#!/bin/sh
# llm-serve /v1/chat/completions with function tools, whole answers: the
# tools, tool_choice, assistant tool_calls and tool results reach an
# OpenAI-compatible entry in OpenAI's shapes; llm-sim's rule ("CALL name
# {args}" → a call; a tool result → "tool said: ...") drives a full round
# trip; a Gemini entry takes them in Gemini's shapes; what cannot be carried
# is 400.
. "$(dirname "$0")/lib.sh"

tools='"tools":[{"type":"function","function":{"name":"write_file","description":"writes a file","parameters":{"type":"object","properties":{"path":{"type":"string"},"text":{"type":"string"}},"required":["path","text"]}}}]'
ask='{"role":"user","content":"CALL write_file {\"path\":\"a.txt\",\"text\":\"hi\"}"}'

start_sim
cat >"$T/pool" <<P
{"id":"oa1","provider":"openai","base_url":"$SIM/v1","model":"shared","key_env":"OA_KEY"}
{"id":"ge1","provider":"gemini","base_url":"$SIM/v1beta","model":"shared","key_env":"GE_KEY"}
{"id":"cf1","provider":"cloudflare","base_url":"$SIM/client/v4/accounts/acct1/ai/run/","model":"shared","key_env":"CF_KEY"}
{"id":"ge2","provider":"gemini","base_url":"$SIM/v1beta","model":"gm","key_env":"GE_KEY"}
{"id":"zh1","provider":"zhipu","base_url":"$SIM/api/paas/v4","model":"zm","key_env":"ZH_KEY"}
P
export CF_KEY=c1 OA_KEY=o1 GE_KEY=g1 ZH_KEY=z1 LLM_STATE=memory
start_serve --pool "$T/pool" --strategy sequential

# ---- 1: the call
chat "{\"model\":\"shared\",\"messages\":[$ask],$tools,\"tool_choice\":\"auto\",\"parallel_tool_calls\":false}"
is "$code" 200 "call: 200"
is "$(hdr X-ManyLLM-Entry):$(hdr X-ManyLLM-Attempts)" "oa1:1" "call: the OpenAI entry answers"
is "$(jqb '.choices[0].finish_reason')" tool_calls "call: finish_reason tool_calls"
is "$(jq -c '.choices[0].message' "$T/b")" '{"role":"assistant","tool_calls":[{"id":"call_sim_write_file","type":"function","function":{"name":"write_file","arguments":"{\"path\":\"a.txt\",\"text\":\"hi\"}"}}],"content":null,"refusal":null}' \
	"call: the message carries the call in OpenAI's shape, content null"
is "$(simlast '[.body.tools, .body.tool_choice, .body.parallel_tool_calls]')" \
	'[[{"type":"function","function":{"name":"write_file","description":"writes a file","parameters":{"type":"object","properties":{"path":{"type":"string"},"text":{"type":"string"}},"required":["path","text"]}}}],"auto",false]' \
	"call: tools, tool_choice and parallel_tool_calls reached the simulator"
calls=$(jq -c '.choices[0].message.tool_calls' "$T/b")

# ---- 2: the tool's result, then the text
chat "{\"model\":\"shared\",\"messages\":[$ask,{\"role\":\"assistant\",\"content\":null,\"tool_calls\":$calls},{\"role\":\"tool\",\"tool_call_id\":\"call_sim_write_file\",\"content\":\"wrote 2 bytes\"}],$tools}"
is "$code" 200 "result: 200"
is "$(jqb '.choices[0].message.content + " / " + .choices[0].finish_reason')" "tool said: wrote 2 bytes / stop" "result: the text derived from the tool's result"
is "$(jqb '.choices[0].message | has("tool_calls")')" false "result: no tool_calls in a text answer"
is "$(simlast '.body.messages[1:]')" '[{"role":"assistant","content":"","tool_calls":[{"id":"call_sim_write_file","type":"function","function":{"name":"write_file","arguments":"{\"path\":\"a.txt\",\"text\":\"hi\"}"}}]},{"role":"tool","content":"wrote 2 bytes","tool_call_id":"call_sim_write_file"}]' \
	"result: the assistant's call and the tool result reached the simulator"

# ---- a named tool_choice; an undeclared tool is the provider's 400
chat "{\"model\":\"shared\",\"messages\":[$ask],$tools,\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"write_file\"}}}"
is "$code:$(simlast .body.tool_choice)" '200:{"type":"function","function":{"name":"write_file"}}' "named tool_choice passed"
chat "{\"model\":\"shared\",\"messages\":[{\"role\":\"user\",\"content\":\"CALL rm_rf {}\"}],$tools}"
is "$code:$(jqb .error.type)" "400:invalid_request_error" "undeclared tool: 400"
like "$(jqb .error.message)" "'rm_rf' is not one of the tools" "undeclared tool: the provider's reason"

# ---- a Gemini entry: the call in Gemini's shapes
chat "{\"model\":\"gm\",\"messages\":[$ask],$tools}"
is "$code:$(jqb .choices[0].finish_reason)" "200:tool_calls" "gemini only: a call"
is "$(simlast '.body.tools[0].functionDeclarations[0].name')" '"write_file"' "gemini only: the tool as a functionDeclaration"
n0=$(nlog)
chat "{\"model\":\"gm\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":$calls},{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":\"r\"}]}"
is "$code:$(nlog)" "400:$n0" "gemini only, a tool result without tools: 400, nothing sent"
chat "{\"model\":\"zm\",\"messages\":[$ask],$tools,\"tool_choice\":\"required\"}"
is "$code:$(nlog)" "400:$n0" "zhipu, tool_choice required: 400, nothing sent"
like "$(jqb .error.message)" 'unsupported parameter tool_choice: zhipu takes only "auto"' "zhipu: names tool_choice"
chat "{\"model\":\"zm\",\"messages\":[$ask],$tools}"
is "$code:$(jqb .choices[0].finish_reason)" "200:tool_calls" "zhipu, tool_choice auto: a call"

# ---- refused before sending
n0=$(nlog)
for c in '"tools":{}|tools: expected an array' \
	'"tools":[{"type":"web_search"}]|tools\[0\].type: only function tools' \
	'"tools":[{"type":"function","function":{}}]|tools\[0\].function.name: expected' \
	"$tools,\"tool_choice\":\"sometimes\"|tool_choice: expected auto" \
	"$tools,\"parallel_tool_calls\":1|parallel_tool_calls: expected"; do
	want=${c##*|}; b=${c%|*}
	chat "{\"model\":\"shared\",\"messages\":[$ask],$b}"
	is "$code" 400 "400: $want"
	like "$(jqb .error.message)" "^$want" "named: $want"
done
chat "{\"model\":\"shared\",\"messages\":[{\"role\":\"tool\",\"content\":\"r\"}]}"
is "$(nlog)" "$n0" "nothing refused was sent (so far)"
like "$code $(jqb .error.message)" '^400 messages\[0\].tool_call_id: expected a string' "a tool result without tool_call_id: 400"
chat "{\"model\":\"shared\",\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"x\"}]}]}"
like "$code $(jqb .error.message)" '^400 messages\[0\].tool_calls\[0\]: expected an id and a function' "a malformed call: 400"
is "$(nlog)" "$n0" "nothing refused was sent"

# ---- streamed: asked whole upstream, written as OpenAI's tool_calls chunks
chat "{\"model\":\"shared\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[$ask],$tools}"
is "$code:$(hdr X-ManyLLM-Entry)" "200:oa1" "stream: 200 from the OpenAI entry"
is "$(simlast .body.stream)" false "stream: asked whole upstream (failover stays before the first byte)"
sed -n 's/^data: //p' "$T/b" >"$T/chunks"
is "$(tail -1 "$T/chunks")" "[DONE]" "stream: ends with [DONE]"
is "$(sed '$d' "$T/chunks" | jq -c '.choices[0] // "usage" | if type == "object" then [.delta, .finish_reason] else . end' | tr '\n' ' ')" \
	'[{"role":"assistant","content":""},null] [{"tool_calls":[{"index":0,"id":"call_sim_write_file","type":"function","function":{"name":"write_file","arguments":""}}]},null] [{"tool_calls":[{"index":0,"function":{"arguments":"{\"path\":\"a.txt\",\"text\":\"hi\"}"}}]},null] [{},"tool_calls"] "usage" ' \
	"stream: the role, the call's id and name, its arguments, finish_reason tool_calls, usage"
is "$(sed '$d' "$T/chunks" | jq -r '.object' | sort -u)" chat.completion.chunk "stream: every chunk a chat.completion.chunk"
chat "{\"model\":\"shared\",\"stream\":true,\"messages\":[$ask,{\"role\":\"assistant\",\"content\":null,\"tool_calls\":$calls},{\"role\":\"tool\",\"tool_call_id\":\"call_sim_write_file\",\"content\":\"wrote 2 bytes\"}],$tools}"
is "$(sed -n 's/^data: //p' "$T/b" | sed '$d' | jq -c '[.choices[0].delta.content, .choices[0].finish_reason]' | tr '\n' ' ')" \
	'["",null] ["tool said: wrote 2 bytes",null] [null,"stop"] ' "stream: a text answer to the result, finish_reason stop"
chat "{\"model\":\"zm\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"plain\"}]}"
is "$(simlast .body.stream)" true "stream without tools: still streamed upstream"

done_testing

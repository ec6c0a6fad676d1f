#!/bin/sh
# llm-ask --tools against each provider format of the simulator, whole and
# streamed: the tools reach the provider in its own shapes (OpenAI tools,
# Gemini functionDeclarations/toolConfig, Cloudflare's bare declarations),
# the calls come back as NDJSON lines (parallel calls, streamed argument
# deltas assembled), the round trip goes on through -c with tool results,
# a stream cut in the middle of a call fails over, and bad input is refused
# before anything is sent. llm-map --tools puts the calls in the records.
. "$(dirname "$0")/lib.sh"
exec </dev/null
# each run its own scheduler state: the free tiers' per-minute limits of the
# catalog would make the runs of one minute wait for each other
export LLM_STATE=memory

start_sim
last() { tail -n 1 "$SIM_LOG"; }
lastq() { last | jq -c "$1"; }
nlog() { wc -l <"$SIM_LOG" 2>/dev/null | tr -d ' '; }
clear_env() {
	unset $(env | sed -n 's/^\([A-Z][A-Z0-9_]*_\(API_KEY\|API_TOKEN\|BASE_URL\|MODELS\)[A-Z0-9_]*\)=.*/\1/p')
}
cat >"$T/tools.json" <<'J'
[{"type":"function","function":{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
 {"name":"add","parameters":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}}]
J
two='CALL get_weather {"city":"Paris"}
CALL add {"a":1,"b":2}'
oai_tools='[{"type":"function","function":{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},{"type":"function","function":{"name":"add","parameters":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}}}]'

# ---- OpenAI: whole and streamed, parallel calls
clear_env
export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY=oai1 OPENAI_MODELS=gpt-4o-mini
for mode in --no-stream --stream; do
	run llm-ask $mode --tools "$T/tools.json" "$two"
	is "$rc" 0 "openai $mode: exit 0"
	is "$out" '{"id":"call_sim_get_weather","name":"get_weather","arguments":{"city":"Paris"}}
{"id":"call_sim_add_1","name":"add","arguments":{"a":1,"b":2}}' "openai $mode: one NDJSON line per call"
	is "$err" "" "openai $mode: nothing on stderr"
	is "$(lastq '[.stream, .body.tools, .body.tool_choice]')" "[$([ $mode = --stream ] && echo true || echo false),$oai_tools,null]" \
		"openai $mode: the tools in OpenAI's shape, no tool_choice"
done
run llm-ask --tools "$T/tools.json" --tool-choice add 'CALL add {"a":1}'
is "$rc:$(lastq .body.tool_choice)" '0:{"type":"function","function":{"name":"add"}}' "openai: --tool-choice NAME"
run llm-ask --tools "$T/tools.json" --tool-choice required --json 'CALL add {"a":5}'
is "$rc:$(lastq .body.tool_choice)" '0:"required"' "openai: --tool-choice required"
is "$(printf '%s' "$out" | jq -c '[.text, .tool_calls]')" '["",[{"id":"call_sim_add","name":"add","arguments":{"a":5}}]]' \
	"openai --json: the record carries tool_calls"

# the round trip through -c: the calls saved, results appended, the text
run llm-ask -c "$T/c1" --stream --tools "$T/tools.json" "$two"
is "$rc" 0 "round trip 1: exit 0"
is "$(sed -n 2p "$T/c1")" '{"role":"assistant","content":"","tool_calls":[{"id":"call_sim_get_weather","name":"get_weather","arguments":{"city":"Paris"}},{"id":"call_sim_add_1","name":"add","arguments":{"a":1,"b":2}}]}' \
	"round trip 1: the calls saved in the conversation"
printf '%s\n' "$out" | while IFS= read -r call; do
	jq -c '{role: "tool", tool_call_id: .id, content: (if .name == "add" then "3" else "sunny" end)}' <<E
$call
E
done >>"$T/c1"
run llm-ask -c "$T/c1" --tools "$T/tools.json"
is "$rc" 0 "round trip 2: exit 0 without a prompt after tool results"
is "$out" 'tool said: sunny
tool said: 3' "round trip 2: the answer derived from both results"
is "$(lastq '.body.messages[1:]')" '[{"role":"assistant","content":"","tool_calls":[{"id":"call_sim_get_weather","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"call_sim_add_1","type":"function","function":{"name":"add","arguments":"{\"a\":1,\"b\":2}"}}]},{"role":"tool","content":"sunny","tool_call_id":"call_sim_get_weather"},{"role":"tool","content":"3","tool_call_id":"call_sim_add_1"}]' \
	"round trip 2: the calls and results reached the provider in OpenAI's shapes"
is "$(tail -n 1 "$T/c1")" '{"role":"assistant","content":"tool said: sunny\ntool said: 3"}' "round trip 2: the answer saved"
run llm-ask -c "$T/c1" --tools "$T/tools.json"
is "$rc" 2 "-c with no prompt after an answer: exit 2"

# the README's round-trip script, as it is written there
awk '/^## Tools/ {t = 1} t && /^```sh/ {b = 1; next} b && /^```/ {exit} b' "$TOP/README.md" |
	sed 's/Should I take an umbrella in Lyon today?/CALL get_weather {"city":"Lyon"}/' >"$T/readme.sh"
[ -e tools.json ] || cp "$T/tools.json" tools.json     # the cwd may be $T
run sh -e -c 'weather() { echo "rain in $1"; }; . "$0"' "$T/readme.sh"
is "$rc:$out" "0:tool said: rain in Lyon" "the README's round trip runs: exit 0, the text from the tool's result"
is "$err" "" "the README's round trip: nothing on stderr"

# --messages: the same lines on stdin, nothing saved
printf '%s\n' '{"role":"user","content":"CALL add {\"a\":1}"}' \
	'{"role":"assistant","content":null,"tool_calls":[{"id":"k1","name":"add","arguments":"{\"a\":1}"}]}' \
	'{"role":"tool","tool_call_id":"k1","content":"1"}' >"$T/m.ndjson"
run llm-ask --messages --tools "$T/tools.json" <"$T/m.ndjson"
is "$rc:$out" "0:tool said: 1" "--messages: a history ending in a tool result answered"
is "$(lastq '.body.messages[1].tool_calls[0].function.arguments')" '"{\"a\":1}"' "--messages: the call's arguments as the provider takes them"

# conversation files: an empty one (mktemp's) is a new conversation; a line
# that is JSON but no object is bad input, not a crash
: >"$T/empty.ndjson"
run llm-ask -c "$T/empty.ndjson" hello
is "$rc:$out:$(wc -l <"$T/empty.ndjson" | tr -d ' ')" "0:echo: hello:2" "-c on an empty file: answered, both turns saved"
printf '42\n' >"$T/num.ndjson"
run llm-ask -c "$T/num.ndjson" hello
is "$rc:$err" "65:llm-ask: $T/num.ndjson:1: a message must be a JSON object" "-c: a line that is no object: exit 65, named"
printf '{"role":"tool","content":"x"}\n' >"$T/t.ndjson"
run llm-ask -c "$T/t.ndjson" --tools "$T/tools.json"
is "$rc:$err" "65:llm-ask: $T/t.ndjson:1: a tool result needs a \"tool_call_id\" and a string \"content\"" "-c: a tool result without its call id: exit 65, named"

# a stream cut in the middle of a call is a failure, and fails over
clear_env
export CUT_BASE_URL="$SIM/v1" CUT_API_KEY_1=c+cut CUT_API_KEY_2=good-cut CUT_MODELS=m1
run llm-ask --stream -v --strategy sequential --tools "$T/tools.json" 'CALL add {"a":1,"b":2}'
is "$rc" 0 "cut stream of a call: fails over, exit 0"
is "$out" '{"id":"call_sim_add","name":"add","arguments":{"a":1,"b":2}}' "cut stream of a call: the good entry's call, once"
like "$err" 'attempt: cut-1:m1: network.*stream ended without a finish' "cut stream of a call: the cut attempt is a transient failure"
export CUT_API_KEY_2=d+cut
run llm-ask --stream --strategy sequential --retries 2 --tools "$T/tools.json" 'CALL add {"a":1,"b":2}'
is "$rc:$out" "69:" "every stream cut: exit 69, no call printed"

# ---- Zhipu (OpenAI-compatible)
clear_env
export ZHIPU_BASE_URL="$SIM/api/paas/v4" ZHIPU_API_KEY=zh1 ZHIPU_MODELS=glm-4.7-flash
for mode in --no-stream --stream; do
	run llm-ask $mode --tools "$T/tools.json" 'CALL get_weather {"city":"Oslo"}'
	is "$rc:$out" '0:{"id":"call_sim_get_weather","name":"get_weather","arguments":{"city":"Oslo"}}' "zhipu $mode: the call"
	is "$(lastq '[.path, .body.tools == '"$oai_tools"']')" '["/api/paas/v4/chat/completions",true]' "zhipu $mode: the tools as OpenAI's"
done

# ---- Gemini: functionDeclarations, toolConfig, functionCall/functionResponse
clear_env
export GEMINI_BASE_URL="$SIM/v1beta" GEMINI_API_KEY=gem1 GEMINI_MODELS=gemini-2.5-flash
gem_tools='[{"functionDeclarations":[{"name":"get_weather","description":"Weather of a city","parameters":{"type":"OBJECT","properties":{"city":{"type":"STRING"}},"required":["city"],"propertyOrdering":["city"]}},{"name":"add","parameters":{"type":"OBJECT","properties":{"a":{"type":"NUMBER"},"b":{"type":"NUMBER"}},"propertyOrdering":["a","b"]}}]}]'
for mode in --no-stream --stream; do
	n=$(($(nlog) + 1))
	run llm-ask $mode --tools "$T/tools.json" "$two"
	is "$rc" 0 "gemini $mode: exit 0"
	is "$out" "{\"id\":\"call_sim$(printf %016x "$n")_0\",\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}
{\"id\":\"call_sim$(printf %016x "$n")_1\",\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":2}}" \
		"gemini $mode: the calls, with ids made of the responseId"
	is "$err" "" "gemini $mode: nothing on stderr"
	is "$(lastq '[.path, .body.tools, .body.toolConfig]')" \
		"[\"/v1beta/models/gemini-2.5-flash:$([ $mode = --stream ] && echo streamGenerateContent || echo generateContent)\",$gem_tools,null]" \
		"gemini $mode: functionDeclarations in Gemini's schema dialect"
done
for c in 'none|{"mode":"NONE"}' 'required|{"mode":"ANY"}' 'add|{"mode":"ANY","allowedFunctionNames":["add"]}' 'auto|{"mode":"AUTO"}'; do
	run llm-ask --tools "$T/tools.json" --tool-choice "${c%%|*}" hi
	is "$rc:$(lastq .body.toolConfig.functionCallingConfig)" "0:${c#*|}" "gemini: --tool-choice ${c%%|*}"
done
run llm-ask -c "$T/g1" --tools "$T/tools.json" "$two"
printf '%s\n' "$out" | jq -c '{role: "tool", tool_call_id: .id, content: (if .name == "add" then "{\"sum\":3}" else "sunny" end)}' >>"$T/g1"
run llm-ask -c "$T/g1" --stream --tools "$T/tools.json"
is "$rc" 0 "gemini round trip: exit 0"
is "$out" 'tool said: sunny
tool said: {"sum":3}' "gemini round trip: the answer derived from the results"
is "$(lastq '.body.contents[1:]')" '[{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},{"functionCall":{"name":"add","args":{"a":1,"b":2}}}]},{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"output":"sunny"}}},{"functionResponse":{"name":"add","response":{"sum":3}}}]}]' \
	"gemini round trip: functionCall parts, then the results as functionResponse parts of one user turn"
printf '%s\n' '{"role":"tool","tool_call_id":"nobody","content":"x"}' >>"$T/g1"
n0=$(nlog)
run llm-ask -c "$T/g1" --tools "$T/tools.json"
is "$rc:$(nlog)" "69:$n0" "gemini: a result for no earlier call: no entry can send it (69), nothing sent"
like "$err" 'message 6: a tool result whose tool_call_id names no earlier call' "gemini: the message names the message"
export GEMINI_API_KEY_1=g+cut GEMINI_API_KEY_2=good-g
unset GEMINI_API_KEY
run llm-ask --stream --strategy sequential -v --tools "$T/tools.json" "$two"
is "$rc:$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "0:2" "gemini cut stream of calls: fails over, both calls once"
like "$err" 'attempt: gemini-1:gemini-2.5-flash: network.*stream ended without a finish' "gemini cut stream: a transient failure"

# Gemini 3 signs its calls: the thoughtSignature rides in the call's id
# (base64url) and goes back with the call, or the model refuses the turn
clear_env
export GEMINI_BASE_URL="$SIM/v1beta" GEMINI_API_KEY=gem1 GEMINI_MODELS=gemini-3.1-flash-lite
for mode in --no-stream --stream; do
	rm -f "$T/g3"
	run llm-ask $mode -c "$T/g3" --tools "$T/tools.json" 'CALL get_weather {"city":"Paris"}'
	like "$rc:$out" '^0:\{"id":"call_sim[0-9a-f]{16}_0__sig_c2ltLXNpZzp-fn4_Z2V0X3dlYXRoZXI","name":"get_weather"' \
		"gemini 3 $mode: the signature in the id, base64url"
	printf '%s\n' "$out" | jq -c '{role: "tool", tool_call_id: .id, content: "sunny"}' >>"$T/g3"
	run llm-ask $mode -c "$T/g3" --tools "$T/tools.json"
	is "$rc:$out" "0:tool said: sunny" "gemini 3 $mode: the round trip"
	is "$(lastq '.body.contents[1].parts[0].thoughtSignature')" '"c2ltLXNpZzp+fn4/Z2V0X3dlYXRoZXI="' \
		"gemini 3 $mode: the thoughtSignature back with the call, as it came"
done
req "$SIM/v1beta/models/gemini-3.1-flash-lite:generateContent" -H 'x-goog-api-key: k' -d '{"contents":[{"parts":[{"text":"x"}]},{"role":"model","parts":[{"functionCall":{"name":"f","args":{}}}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":{}}}]}]}'
is "$code:$(jqb .error.status)" "400:INVALID_ARGUMENT" "sim gemini 3: a call back without its signature: 400"
like "$(jqb .error.message)" '^Function call is missing a thought_signature' "sim gemini 3: Google's words"

# ---- Cloudflare: bare declarations, result.tool_calls, no streaming
clear_env
export CLOUDFLARE_API_BASE_URL="$SIM/client/v4/accounts/acct1/ai/run/" CLOUDFLARE_API_TOKEN=cf1 \
	CLOUDFLARE_MODELS=@cf/meta/llama-3.3-70b-instruct-fp8-fast
cf_tools='[{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},{"name":"add","parameters":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}}]'
for mode in --no-stream --stream; do
	run llm-ask $mode --tools "$T/tools.json" "$two"
	is "$rc" 0 "cloudflare $mode: exit 0"
	is "$out" '{"id":"call_0","name":"get_weather","arguments":{"city":"Paris"}}
{"id":"call_1","name":"add","arguments":{"a":1,"b":2}}' "cloudflare $mode: the calls"
	is "$err" "" "cloudflare $mode: nothing on stderr"
	is "$(lastq '[.stream, .body.tools, .body.stream]')" "[false,$cf_tools,false]" \
		"cloudflare $mode: bare declarations, asked whole"
done
run llm-ask -c "$T/f1" --tools "$T/tools.json" 'CALL get_weather {"city":"Rome"}'
printf '%s\n' '{"role":"tool","tool_call_id":"call_0","content":"rain"}' >>"$T/f1"
run llm-ask -c "$T/f1" --tools "$T/tools.json"
is "$rc:$out" "0:tool said: rain" "cloudflare round trip: the text"
is "$(lastq '.body.messages[1:]')" '[{"role":"assistant","content":"","tool_calls":[{"id":"call_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},{"role":"tool","content":"rain","tool_call_id":"call_0"}]' \
	"cloudflare round trip: the call and the result sent"
req "$SIM/client/v4/accounts/a/ai/run/@cf/meta/llama-3.1-8b-instruct" -H 'Authorization: Bearer k' \
	-d '{"stream":true,"messages":[{"role":"user","content":"CALL add {\"a\":1}"}],"tools":[{"name":"add"}]}'
is "$code:$(sed -n 's/^data: //p' "$T/b" | head -n 1 | jq -c '[.response, .tool_calls]'):$(tail -n 2 "$T/b" | head -n 1)" \
	'200:["",[{"arguments":{"a":1},"name":"add"}]]:data: [DONE]' "sim cloudflare stream: one event carrying tool_calls, then [DONE]"
n0=$(nlog)
run llm-ask --tools "$T/tools.json" --tool-choice required hi
is "$rc:$(nlog)" "69:$n0" "cloudflare --tool-choice required: exit 69, nothing sent"
like "$err" 'unsupported parameter tool_choice: cloudflare takes only "auto"' "cloudflare: names tool_choice"

# ---- the simulator refuses what each provider refuses
clear_env
export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY=oai1 OPENAI_MODELS=gpt-4o-mini
run llm-ask --tools "$T/tools.json" 'CALL rm_rf {}'
is "$rc" 65 "an undeclared tool: exit 65"
like "$err" "invalid_request.*'rm_rf' is not one of the tools" "an undeclared tool: the provider's reason"
req "$SIM/v1/chat/completions" -H 'Authorization: Bearer k' -d '{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search"}]}'
is "$code:$(jqb .error.message)" "400:Invalid value: 'web_search'. Supported values are: 'function' and 'custom'." "sim openai: a tool type it does not take"
req "$SIM/v1beta/models/gemini-2.5-flash:generateContent" -H 'x-goog-api-key: k' -d '{"contents":[{"parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"a":{"type":"STRING"}},"additionalProperties":false}}]}]}'
is "$code:$(jqb .error.status)" "400:INVALID_ARGUMENT" "sim gemini: additionalProperties in parameters: 400"
like "$(jqb .error.message)" 'Unknown name "additionalProperties" at .tools\[0\].function_declarations\[0\].parameters.: Cannot find field' "sim gemini: Google's words"
req "$SIM/client/v4/accounts/a/ai/run/@cf/meta/llama-3.1-8b-instruct" -H 'Authorization: Bearer k' -d '{"messages":[{"role":"user","content":"x"}],"tools":[{"description":"no name"}]}'
is "$code:$(jqb .success)" "400:false" "sim cloudflare: a tool without a name: 400"
like "$(jqb '.errors[0].message')" "Required properties at '/tools/0' are 'name'" "sim cloudflare: its words"

# ---- bad input: one line, exit 2, nothing sent
n0=$(nlog)
printf '[{"name":"x y"}]' >"$T/bad1.json"
printf '{"name":"x"}' >"$T/bad2.json"
printf '[{"type":"function","function":{"name":"a"}},{"name":"a"}]' >"$T/bad3.json"
for c in "--tools $T/none.json|--tools: $T/none.json: No such file" \
	"--tools $T/bad1.json|--tools: $T/bad1.json: entry 1: name \"x y\": only letters" \
	"--tools $T/bad2.json|--tools: $T/bad2.json: expected a non-empty JSON array" \
	"--tools $T/bad3.json|--tools: $T/bad3.json: entry 2: a second tool named \"a\"" \
	"--tools $T/tools.json --tool-choice nosuch|--tool-choice: 'nosuch' is not auto" \
	"--tool-choice auto|--tool-choice goes with --tools" \
	"--tools $T/tools.json --schema x:int|--tools does not go with --schema"; do
	run llm-ask ${c%%|*} hi
	is "$rc:$(printf '%s\n' "$err" | wc -l | tr -d ' ')" "2:1" "${c%%|*}: exit 2, one line"
	like "$err" "^llm-ask: ${c#*|}" "${c%%|*}: the reason"
done
is "$(nlog)" "$n0" "nothing of the refused was sent"

# ---- llm-map --tools: the calls in each record
printf '%s\n' '"CALL add {\"a\":1,\"b\":2}"' '"hello"' >"$T/in"
run llm-map -q --tools "$T/tools.json" . "$T/in"
is "$rc" 0 "llm-map --tools: exit 0"
is "$(printf '%s\n' "$out" | jq -c '[.i, .text, .tool_calls]')" '[0,"",[{"id":"call_sim_add","name":"add","arguments":{"a":1,"b":2}}]]
[1,"echo: hello",null]' "llm-map --tools: a record with tool_calls, a text record without"
is "$(lastq '.body.tools')" "$oai_tools" "llm-map --tools: the tools sent with every item"
run llm-map --tools "$T/tools.json" --text . "$T/in"
is "$rc" 2 "llm-map --tools --text: exit 2"

done_testing

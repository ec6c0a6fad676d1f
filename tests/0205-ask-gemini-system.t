#!/bin/sh
# Gemini's systemInstruction carries the system prompt however llm-ask got
# it (-s, a system message read by --messages, the first line of a -c
# conversation), and the system text never appears among the contents as a
# user turn: checked in the body llm-sim received.
. "$(dirname "$0")/lib.sh"
exec </dev/null
start_sim
export LLM_STATE=memory GEMINI_BASE_URL="$SIM/v1beta" GEMINI_API_KEY=gem1 GEMINI_MODELS=gemini-x
lastq() { tail -n 1 "$SIM_LOG" | jq -c "$1"; }

run llm-ask -s "SYS-FLAG be brief" hello
is "$out" "echo: hello" "-s: answered"
is "$(lastq .body.systemInstruction)" '{"parts":[{"text":"SYS-FLAG be brief"}]}' "-s: systemInstruction"
is "$(lastq .body.contents)" '[{"role":"user","parts":[{"text":"hello"}]}]' "-s: contents hold the user turn only"

printf '%s\n' '{"role":"system","content":"SYS-MSG answer in French"}' '{"role":"user","content":"q1"}' \
	'{"role":"assistant","content":"a1"}' > conv.ndjson
run llm-ask --messages q2 < conv.ndjson
is "$out" "echo: q2" "--messages: answered"
is "$(lastq .body.systemInstruction)" '{"parts":[{"text":"SYS-MSG answer in French"}]}' \
	"--messages: the system message is the systemInstruction"
is "$(lastq .body.contents)" \
	'[{"role":"user","parts":[{"text":"q1"}]},{"role":"model","parts":[{"text":"a1"}]},{"role":"user","parts":[{"text":"q2"}]}]' \
	"--messages: contents are the user and model turns, in order"
is "$(lastq '[.body.contents[].parts[].text | select(test("SYS-MSG"))] | length')" 0 "--messages: no system text among the contents"

cp conv.ndjson talk.ndjson
run llm-ask -c talk.ndjson q3
is "$out" "echo: q3" "-c: answered"
is "$(lastq .body.systemInstruction.parts[0].text)" '"SYS-MSG answer in French"' "-c: the file's system line is the systemInstruction"
is "$(lastq '[.body.contents[] | .role] | join(",")')" '"user,model,user"' "-c: no system turn among the contents"
run llm-ask -c talk.ndjson -s "SYS-OVERRIDE" q4
is "$(lastq .body.systemInstruction)" '{"parts":[{"text":"SYS-OVERRIDE"}]}' "-c with -s: -s replaces the file's system message for the call"
is "$(lastq '[.body.contents[].parts[].text | select(test("SYS"))] | length')" 0 "-c with -s: neither system text among the contents"
done_testing

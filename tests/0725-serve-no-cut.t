#!/bin/sh
# llm-serve never cuts a text short: a request whose text parts together
# pass the buffer's cap (64 MiB) is refused with 400 naming the part,
# before anything is sent upstream (it used to go out silently shortened).
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
sim_env
export OPENAI_API_KEY=good1 OPENAI_MODELS=m1 LLM_STATE=memory
start_serve --max-body 100M

# two text parts of 34,000,000 bytes each: 68,000,000 > 67,108,864
part() { printf '{"type":"text","text":"'; head -c 34000000 /dev/zero | tr '\000' "$1"; printf '"}'; }
{ printf '{"model":"m1","messages":[{"role":"user","content":['; part a; printf ','; part b; printf ']}]}'; } >big.json
req -H 'Content-Type: application/json' --data-binary @big.json "$SRV/v1/chat/completions"
is "$code" 400 "chat completions: text parts over 64 MiB: 400"
like "$(jqb .error.message)" "^messages\\[0\\]\\.content: the text is larger than 67108864 bytes" "... naming the message"
is "$(cat "$SIM_LOG" 2>/dev/null | grep -c .)" 0 "... nothing was sent upstream"

{ printf '{"model":"m1","max_tokens":5,"messages":[{"role":"user","content":['; part a; printf ','; part b; printf ']}]}'; } >big.json
req -H 'Content-Type: application/json' --data-binary @big.json "$SRV/v1/messages"
is "$code" 400 "Anthropic messages: text blocks over 64 MiB: 400"
is "$(cat "$SIM_LOG" 2>/dev/null | grep -c .)" 0 "... nothing was sent upstream"
rm -f big.json

# a request under the cap still goes through
req -H 'Content-Type: application/json' -d '{"model":"m1","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"text","text":" there"}]}]}' "$SRV/v1/chat/completions"
is "$code" 200 "text parts under the cap: 200"
is "$(jqb '.choices[0].message.content')" "echo: hi there" "... the whole text answered"
done_testing

#!/bin/sh
# llm-serve's Anthropic Messages and OpenAI Responses wires pass the
# sampling parameters on as /v1/chat/completions does: stop_sequences,
# top_p and top_k (Messages) and top_p (Responses) reach an OpenAI-compatible
# host as stop and top_p, Gemini as stopSequences, topP and topK, Cloudflare
# as top_p and top_k; an entry that cannot take one (top_k: OpenAI-compatible
# hosts; stop: Cloudflare) is skipped for one that can, or the call fails
# with a 400 naming the parameter. A stop-sequence end is reported as
# end_turn with stop_sequence null: no provider says which sequence matched.
. "$(dirname "$0")/lib.sh"

msg() { req "$SRV/v1/messages" -H 'Content-Type: application/json' -H 'anthropic-version: 2023-06-01' -d "$1"; }
resp() { req "$SRV/v1/responses" -H 'Content-Type: application/json' -d "$1"; }
simlast() { tail -1 "$SIM_LOG" | jq -c "$1"; }
nlog() { wc -l <"$SIM_LOG" 2>/dev/null | tr -d ' '; }
u='"messages":[{"role":"user","content":"hi"}]'

start_sim
cat >"$T/pool" <<P
{"id":"oa1","provider":"openai","base_url":"$SIM/v1","model":"shared","key_env":"OA_KEY"}
{"id":"ge2","provider":"gemini","base_url":"$SIM/v1beta","model":"shared","key_env":"GE_KEY"}
{"id":"oa2","provider":"openai","base_url":"$SIM/v1","model":"m1","key_env":"OA_KEY"}
{"id":"ge1","provider":"gemini","base_url":"$SIM/v1beta","model":"gm","key_env":"GE_KEY"}
{"id":"cf1","provider":"cloudflare","base_url":"$SIM/client/v4/accounts/acct1/ai/run/","model":"cfm","key_env":"CF_KEY"}
{"id":"zh1","provider":"zhipu","base_url":"$SIM/api/paas/v4","model":"zm","key_env":"ZH_KEY"}
P
export CF_KEY=c1 OA_KEY=o1 GE_KEY=g1 ZH_KEY=z1 LLM_STATE=memory
start_serve --pool "$T/pool" --strategy sequential

# ---- Messages: passed on as they are (OpenAI-compatible)
msg "{\"model\":\"m1\",\"max_tokens\":9,\"stop_sequences\":[\"X\",\"Y\"],\"top_p\":0.5,$u}"
is "$code:$(hdr X-ManyLLM-Entry)" "200:oa2" "messages, openai: 200"
is "$(simlast .body)" '{"model":"m1","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":9,"stop":["X","Y"],"top_p":0.5,"stream":false}' \
	"messages, openai: stop_sequences sent as stop, top_p as it is"
is "$(jqb '[.stop_reason, .stop_sequence] | tostring')" '["end_turn",null]' "messages: the provider does not say which stop matched: end_turn, stop_sequence null"

# ---- Messages: renamed for Gemini, whole and streamed
msg "{\"model\":\"gm\",\"max_tokens\":9,\"stop_sequences\":[\"X\"],\"top_p\":0.5,\"top_k\":3,$u}"
is "$code" 200 "messages, gemini: 200"
is "$(simlast .body.generationConfig)" '{"maxOutputTokens":9,"stopSequences":["X"],"topP":0.5,"topK":3}' \
	"messages, gemini: stopSequences, topP, topK"
msg "{\"model\":\"gm\",\"max_tokens\":9,\"stream\":true,\"stop_sequences\":[\"X\"],\"top_k\":2,$u}"
is "$code" 200 "messages stream, gemini: 200"
is "$(simlast .body.generationConfig)" '{"maxOutputTokens":9,"stopSequences":["X"],"topK":2}' "messages stream, gemini: stopSequences and topK"
is "$(sed -n 's/^data: //p' "$T/b" | jq -c 'select(.type=="message_delta") | .delta')" '{"stop_reason":"end_turn","stop_sequence":null}' \
	"messages stream: message_delta's stop_reason and stop_sequence"

# ---- Messages: Cloudflare takes top_p and top_k, not stop
msg "{\"model\":\"cfm\",\"max_tokens\":9,\"top_p\":0.3,\"top_k\":4,$u}"
is "$code:$(simlast '[.body.top_p,.body.top_k]')" '200:[0.3,4]' "messages, cloudflare: top_p and top_k passed"

# ---- an entry that cannot honour one: another is tried, or a 400 naming it
msg "{\"model\":\"shared\",\"max_tokens\":9,\"top_k\":3,$u}"
is "$code:$(hdr X-ManyLLM-Entry):$(hdr X-ManyLLM-Attempts)" "200:ge2:2" "top_k: the OpenAI entry skipped, Gemini answers"
is "$(simlast .body.generationConfig.topK)" 3 "top_k: sent to the entry that takes it"
for c in 'm1:top_k:openai:"top_k":3' 'zm:top_k:zhipu:"top_k":3' 'cfm:stop:cloudflare:"stop_sequences":["X"]'; do
	m=${c%%:*}; r=${c#*:}; k=${r%%:*}; r=${r#*:}; p=${r%%:*}; v=${r#*:}
	n0=$(nlog)
	msg "{\"model\":\"$m\",\"max_tokens\":9,$v,$u}"
	is "$code:$(jqb '.type + " " + .error.type'):$(nlog)" "400:error invalid_request_error:$n0" "$p, $v: 400, nothing sent"
	like "$(jqb .error.message)" "unsupported parameter $k: $p does not take it" "$p, $v: names $k"
done
n0=$(nlog)
for p in '"stop_sequences":["a","b","c","d","e"]:stop_sequences' '"stop_sequences":[""]:stop_sequences' \
	'"top_p":2:top_p' '"top_k":0:top_k' '"top_k":"3":top_k'; do
	k=${p##*:}; v=${p%:*}
	msg "{\"model\":\"m1\",\"max_tokens\":9,$v,$u}"
	is "$code:$(jqb .error.type)" "400:invalid_request_error" "bad $v: 400"
	like "$(jqb .error.message)" "^$k: expected" "bad $v: names $k"
done
is "$(nlog)" "$n0" "bad values were never sent"

# ---- Responses: top_p passed on, renamed, echoed
resp '{"model":"m1","input":"hi","top_p":0.25}'
is "$code:$(simlast .body.top_p):$(jqb .top_p)" "200:0.25:0.25" "responses, openai: top_p sent and echoed"
resp '{"model":"gm","input":"hi","top_p":0.25,"stream":true}'
is "$code:$(simlast .body.generationConfig.topP)" "200:0.25" "responses stream, gemini: topP"
is "$(sed -n 's/^data: //p' "$T/b" | jq -c 'select(.type=="response.completed") | .response.top_p')" 0.25 "responses stream: top_p echoed"
resp '{"model":"m1","input":"hi"}'
is "$code:$(simlast .body.top_p):$(jqb .top_p)" "200:null:1" "responses: no top_p, none sent (1 echoed)"

done_testing

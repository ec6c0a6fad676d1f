#!/bin/sh
# llm-serve /v1/chat/completions: every sampling parameter is passed on,
# renamed for the provider, or refused with 400 naming it; none is dropped.
# stop, top_p, seed and the penalties reach an OpenAI-compatible host as
# they are and Gemini as generationConfig fields; an entry that cannot take
# one (Cloudflare: stop; Zhipu: seed, penalties, several stop words) is
# skipped for another that can, or the call fails naming the parameter.
. "$(dirname "$0")/lib.sh"

msg='"messages":[{"role":"user","content":"hi"}]'
all='"stop":"X","top_p":0.5,"seed":7,"presence_penalty":0.1,"frequency_penalty":-0.2,"user":"u1","max_completion_tokens":9'

start_sim
cat >"$T/pool" <<P
{"id":"cf1","provider":"cloudflare","base_url":"$SIM/client/v4/accounts/acct1/ai/run/","model":"shared","key_env":"CF_KEY"}
{"id":"oa1","provider":"openai","base_url":"$SIM/v1","model":"shared","key_env":"OA_KEY"}
{"id":"oa2","provider":"openai","base_url":"$SIM/v1","model":"m1","key_env":"OA_KEY"}
{"id":"ge1","provider":"gemini","base_url":"$SIM/v1beta","model":"gm","key_env":"GE_KEY"}
{"id":"cf2","provider":"cloudflare","base_url":"$SIM/client/v4/accounts/acct1/ai/run/","model":"cfm","key_env":"CF_KEY"}
{"id":"zh1","provider":"zhipu","base_url":"$SIM/api/paas/v4","model":"zm","key_env":"ZH_KEY"}
P
export CF_KEY=c1 OA_KEY=o1 GE_KEY=g1 ZH_KEY=z1 LLM_STATE=memory
start_serve --pool "$T/pool" --strategy sequential

# ---- passed as they are (OpenAI-compatible); user taken and ignored
chat "{\"model\":\"m1\",$msg,$all}"
is "$code" 200 "openai: 200"
is "$(simlast .body)" '{"model":"m1","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":9,"stop":["X"],"top_p":0.5,"seed":7,"presence_penalty":0.1,"frequency_penalty":-0.2,"stream":false}' \
	"openai: stop (as an array), top_p, seed, penalties, max_completion_tokens sent; user not"
chat "{\"model\":\"m1\",$msg,\"stop\":[\"a\",\"b\"],\"n\":1,\"logprobs\":false,\"stream\":true}"
is "$code" 200 "openai stream: 200 (n 1 and logprobs false are fine)"
is "$(simlast '.body.stop')" '["a","b"]' "openai stream: a stop array passes as it is"

# ---- mapped for Gemini
chat "{\"model\":\"gm\",$msg,$all}"
is "$code" 200 "gemini: 200"
is "$(simlast .body.generationConfig)" '{"maxOutputTokens":9,"stopSequences":["X"],"topP":0.5,"seed":7,"presencePenalty":0.1,"frequencyPenalty":-0.2}' \
	"gemini: stopSequences, topP, seed, presencePenalty, frequencyPenalty, maxOutputTokens"

# ---- an entry that cannot honour one: failed over, or the call fails naming it
chat "{\"model\":\"shared\",$msg,\"stop\":\"X\"}"
is "$code:$(hdr X-ManyLLM-Entry):$(hdr X-ManyLLM-Attempts)" "200:oa1:2" "stop: Cloudflare skipped, the OpenAI entry answers"
is "$(simlast '.body.stop')" '["X"]' "stop: sent to the entry that takes it"
n0=$(nlog)
chat "{\"model\":\"cfm\",$msg,\"stop\":\"X\"}"
is "$code" 400 "cloudflare only, stop: 400"
like "$(jqb .error.message)" 'unsupported parameter stop: cloudflare does not take it' "cloudflare: the message names stop"
is "$(nlog)" "$n0" "cloudflare: nothing sent"
chat "{\"model\":\"cfm\",$msg,\"top_p\":0.3,\"seed\":4,\"presence_penalty\":1,\"frequency_penalty\":1}"
is "$code:$(simlast '[.body.top_p,.body.seed,.body.presence_penalty,.body.frequency_penalty]')" '200:[0.3,4,1,1]' \
	"cloudflare: top_p, seed, penalties passed"
for p in '"seed":1' '"presence_penalty":1' '"frequency_penalty":1' '"stop":["a","b"]'; do
	n0=$(nlog)
	chat "{\"model\":\"zm\",$msg,$p}"
	k=${p%%\":*}; k=${k#\"}
	is "$code:$(nlog)" "400:$n0" "zhipu $k: 400, nothing sent"
	like "$(jqb .error.message)" "unsupported parameter $k: zhipu" "zhipu $k: named"
done
chat "{\"model\":\"zm\",$msg,\"stop\":\"a\",\"top_p\":0.4}"
is "$code:$(simlast '[.body.stop,.body.top_p]')" '200:[["a"],0.4]' "zhipu: one stop word and top_p passed"

# ---- refused by llm-serve itself, before anything is sent
n0=$(nlog)
for p in '"logit_bias":{"50256":-100}' '"logprobs":true' '"top_logprobs":2' '"reasoning_effort":"low"' \
	'"functions":[{"name":"f"}]' '"function_call":"auto"'; do
	k=${p%%\":*}; k=${k#\"}
	chat "{\"model\":\"m1\",$msg,$p}"
	is "$code:$(jqb .error.type)" "400:invalid_request_error" "$k: 400"
	like "$(jqb .error.message)" "^$k: not supported by this server yet" "$k: named"
done
chat "{\"model\":\"m1\",$msg,\"n\":2}"
is "$code" 400 "n 2: 400"
like "$(jqb .error.message)" '^n: only 1 choice per request is supported' "n 2: named"
chat "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AA==\",\"format\":\"wav\"}}]}]}"
is "$code" 400 "audio part: 400"
like "$(jqb .error.message)" 'content\[0\]: only text and image_url parts are supported' "audio part: named"
for p in '"top_p":1.5:top_p' '"seed":1.5:seed' '"presence_penalty":3:presence_penalty' \
	'"frequency_penalty":"x":frequency_penalty' '"stop":["a","b","c","d","e"]:stop' '"stop":[""]:stop' '"stop":7:stop'; do
	k=${p##*:}; v=${p%:*}
	chat "{\"model\":\"m1\",$msg,$v}"
	is "$code" 400 "bad $v: 400"
	like "$(jqb .error.message)" "^$k: expected" "bad $v: names $k"
done
is "$(nlog)" "$n0" "nothing refused was sent"

done_testing

#!/bin/sh
# llm-serve: the OpenAI API — whole and streamed answers, what the simulator
# received, failover before the first byte, a stream broken after it,
# errors (400, 404, 405, 413, 429), /v1/models, /healthz, /metrics.
. "$(dirname "$0")/lib.sh"

chat() { req "$SRV/v1/chat/completions" -H 'Content-Type: application/json' -d "$1"; }
# the last request the simulator received
simlast() { tail -1 "$SIM_LOG" | jq -c "$1"; }

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1,m2
start_serve --strategy sequential
like "$(cat "$T/serve.err")" "^llm-serve: listening on $SRV\$" "listening line on stderr"

# ---- whole answer
chat '{"model":"m1","messages":[{"role":"system","content":"be brief"},{"role":"developer","content":"and kind"},{"role":"user","content":"hello"},{"role":"assistant","content":"hi"},{"role":"user","content":[{"type":"text","text":"how "},{"type":"text","text":"are you"}]}],"temperature":0.2,"max_completion_tokens":50,"response_format":{"type":"json_object"}}'
is "$code" 200 "whole: 200"
is "$(jqb .object)" chat.completion "whole: chat.completion"
is "$(jqb '.choices[0].message.content')" "echo: how are you" "whole: the answer"
is "$(jqb '.choices[0].message.role + " " + .choices[0].finish_reason')" "assistant stop" "whole: role, finish_reason"
is "$(jqb '.model')" m1 "whole: model"
is "$(jqb '(.id|startswith("chatcmpl-")) and (.created|type=="number") and (.usage.total_tokens == .usage.prompt_tokens + .usage.completion_tokens)')" true "whole: id, created, usage"
is "$(hdr X-ManyLLM-Entry)" "openai-1:m1" "whole: X-ManyLLM-Entry"
is "$(hdr X-ManyLLM-Model)" "m1" "whole: X-ManyLLM-Model"
is "$(hdr X-ManyLLM-Attempts)" 1 "whole: X-ManyLLM-Attempts"
like "$(hdr Content-Type)" '^application/json' "whole: content type"
is "$(simlast .body)" '{"model":"m1","messages":[{"role":"system","content":"be brief\n\nand kind"},{"role":"user","content":"hello"},{"role":"assistant","content":"hi"},{"role":"user","content":"how are you"}],"temperature":0.2,"max_completion_tokens":50,"response_format":{"type":"json_object"},"stream":false}' \
	"whole: the exact request the simulator received"
is "$(simlast .key)" '"good1"' "whole: the pool's key went upstream"

chat '{"model":"m2","messages":[{"role":"user","content":"x"}],"max_tokens":7,"response_format":{"type":"json_schema","json_schema":{"name":"pt","schema":{"type":"object","properties":{"x":{"type":"number"}},"required":["x"],"additionalProperties":false}}}}'
is "$code" 200 "json_schema: 200"
is "$(simlast '.body.response_format.type + " " + .body.response_format.json_schema.name + " " + (.body.max_completion_tokens|tostring) + " " + .model')" '"json_schema pt 7 m2"' "json_schema and max_tokens pass through, model m2"

chat '{"model":"auto","messages":[{"role":"user","content":"SIM-REPLY: exact\ttext \"quoted\" é"}]}'
is "$(jqb '.choices[0].message.content')" "$(printf 'exact\ttext "quoted" é')" "auto: any entry; text escaped right"
chat '{"model":"m*","messages":[{"role":"user","content":"glob"}]}'
is "$code:$(jqb .choices[0].message.content)" "200:echo: glob" "a glob picks entries"

# ---- streamed answer
chat '{"model":"m1","stream":true,"messages":[{"role":"user","content":"stream me"}]}'
is "$code" 200 "stream: 200"
like "$(hdr Content-Type)" '^text/event-stream' "stream: text/event-stream"
is "$(hdr X-ManyLLM-Entry)" "openai-1:m1" "stream: X-ManyLLM-Entry"
is "$(hdr X-ManyLLM-Attempts)" 1 "stream: X-ManyLLM-Attempts"
is "$(tail -c 14 "$T/b" | od -c | head -1 | cut -c9-)" "$(printf 'data: [DONE]\n\n' | od -c | head -1 | cut -c9-)" "stream: ends with data: [DONE] and a blank line"
is "$(grep -v '^$' "$T/b" | grep -vc '^data: ')" 0 "stream: only data: lines and blank lines"
is "$(grep '^data: {' "$T/b" | sed 's/^data: //' | jq -rj '.choices[0].delta.content // empty')" "echo: stream me" "stream: deltas join to the answer"
is "$(grep '^data: {' "$T/b" | sed 's/^data: //' | jq -r .object | sort -u)" chat.completion.chunk "stream: every event is a chat.completion.chunk"
is "$(grep '^data: {' "$T/b" | sed 's/^data: //' | jq -r '.choices[0].delta.role // empty')" assistant "stream: role in the first chunk only"
is "$(grep '^data: {' "$T/b" | tail -1 | sed 's/^data: //' | jq -r '.choices[0].finish_reason')" stop "stream: last chunk has finish_reason stop"
is "$(grep -c '"usage"' "$T/b")" 0 "stream: no usage without include_usage"
is "$(simlast '.body.stream')" true "stream: asked upstream as a stream"

chat '{"model":"m1","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"u"}]}'
last=$(grep '^data: {' "$T/b" | tail -1 | sed 's/^data: //')
is "$(printf '%s' "$last" | jq -c '[.choices, (.usage|keys)]')" '[[],["completion_tokens","prompt_tokens","total_tokens"]]' "include_usage: a last chunk with usage and no choices"
is "$(grep '^data: {' "$T/b" | sed '$d' | sed 's/^data: //' | jq -r '.usage' | sort -u)" null "include_usage: earlier chunks carry usage null"
is "$(tail -2 "$T/b" | head -1)" "data: [DONE]" "include_usage: then [DONE]"
stop_serve

# ---- failover before the first byte is invisible
export LLM_STATE=memory
for bad in 'bad+invalid' 'k0+status=500'; do
	export OPENAI_API_KEY_1="$bad" OPENAI_API_KEY_2=good2 OPENAI_MODELS=m1
	start_serve --strategy sequential
	chat '{"model":"m1","messages":[{"role":"user","content":"fo"}]}'
	is "$code" 200 "failover ($bad): the client sees 200"
	is "$(hdr X-ManyLLM-Attempts)" 2 "failover ($bad): X-ManyLLM-Attempts 2"
	is "$(hdr X-ManyLLM-Entry)" "openai-2:m1" "failover ($bad): answered by the second entry"
	# the answer's random id is hex, so it may spell "bad": look past it
	unlike "$(printf '%s' "$body" | jq -c 'del(.id)')" "$(printf '%s' "$bad" | sed 's/+/[+]/g')|bad|invalid" \
		"failover ($bad): nothing of the first attempt shows"
	stop_serve
	start_serve --strategy sequential
	chat '{"model":"m1","stream":true,"messages":[{"role":"user","content":"fo"}]}'
	is "$code:$(hdr X-ManyLLM-Attempts)" "200:2" "failover ($bad), stream: 200 after 2 attempts"
	is "$(tail -2 "$T/b" | head -1)" "data: [DONE]" "failover ($bad), stream: ends with [DONE]"
	is "$(grep -c error "$T/b")" 0 "failover ($bad), stream: no error event"
	stop_serve
done

# ---- a stream that breaks after output: an error event, no [DONE]
export OPENAI_API_KEY_1='c1+cut' OPENAI_API_KEY_2='c2+cut' OPENAI_MODELS=m1
start_serve --strategy sequential --retries 2
n0=$(wc -l <"$SIM_LOG")
chat '{"model":"m1","stream":true,"messages":[{"role":"user","content":"one two three four five six seven eight"}]}'
is "$code" 200 "broken stream: 200 (the first bytes went out)"
is "$(grep -c '^data: \[DONE\]' "$T/b")" 0 "broken stream: no [DONE]"
last=$(grep '^data: ' "$T/b" | tail -1 | sed 's/^data: //')
is "$(printf '%s' "$last" | jq -c '.error | [(.message|type), .type, .param, (.code|type)]')" '["string","upstream_error",null,"string"]' \
	"broken stream: ends with an error event in OpenAI's shape"
like "$(grep '^data: {' "$T/b" | head -1)" '"content":"echo' "broken stream: the text before the cut was sent"
is "$(($(wc -l <"$SIM_LOG") - n0))" 1 "broken stream: no second attempt once bytes were sent"
chat '{"model":"m1","messages":[{"role":"user","content":"whole"}]}'
like "$code" '^50[23]$' "whole answer, every entry truncates: 502 or 503"
is "$(jqb '.error | [(.message|type), .type, .param] | tostring')" '["string","upstream_error",null]' "502: OpenAI error shape"
is "$(hdr X-ManyLLM-Attempts)" 2 "502: X-ManyLLM-Attempts names both tries"
stop_serve

# ---- 429 with Retry-After when every entry is cooling
export OPENAI_API_KEY_1='r1+retry=30' OPENAI_API_KEY_2='r2+retry=30' OPENAI_MODELS=m1
unset LLM_STATE
start_serve
chat '{"model":"m1","messages":[{"role":"user","content":"busy"}]}'
is "$code" 429 "all cooling: 429"
ra=$(hdr Retry-After)
if [ -n "$ra" ] && [ "$ra" -ge 25 ] && [ "$ra" -le 31 ]; then ok "all cooling: Retry-After ~30 ($ra)"; else nok "all cooling: Retry-After ~30 (got '$ra')"; fi
is "$(jqb '.error.type + " " + .error.code')" "rate_limit_error rate_limit_exceeded" "429: error type and code"
n0=$(wc -l <"$SIM_LOG")
chat '{"model":"m1","stream":true,"messages":[{"role":"user","content":"busy"}]}'
is "$code:$(jqb .error.code)" "429:rate_limit_exceeded" "all cooling, stream: 429 JSON (nothing streamed)"
like "$(hdr Retry-After)" '^[0-9]+$' "all cooling, stream: Retry-After"
is "$(wc -l <"$SIM_LOG")" "$n0" "all cooling: nothing sent upstream"
stop_serve

# ---- request errors
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1
unset OPENAI_API_KEY_2
rm -rf "$XDG_STATE_HOME"
start_serve --max-body 2k
n0=$(wc -l <"$SIM_LOG")
chat '{"model":"m1","messages":[{"role":"user","content":"x"}'
is "$code" 400 "malformed JSON: 400"
is "$(jqb '.error | [.type, .code, .param] | tostring')" '["invalid_request_error","invalid_json",null]' "malformed JSON: error shape"
chat '[1,2]'
is "$code:$(jqb .error.type)" "400:invalid_request_error" "not an object: 400"
chat '{"model":"m1"}'
is "$code:$(jqb .error.message)" "400:messages: expected a non-empty array" "no messages: 400"
chat '{"model":"m1","messages":[{"role":"tool","content":"x"}]}'
is "$code" 400 "unsupported role: 400"
chat '{"model":"m1","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}'
is "$code" 400 "image parts: 400"
chat '{"model":"m1","temperature":"hot","messages":[{"role":"user","content":"x"}]}'
is "$code" 400 "bad temperature: 400"
chat '{"model":"nope","messages":[{"role":"user","content":"x"}]}'
is "$code:$(jqb .error.code)" "404:model_not_found" "unknown model: 404 model_not_found"
is "$(wc -l <"$SIM_LOG")" "$n0" "request errors: nothing sent upstream"
big=$(head -c 3000 /dev/zero | tr '\0' a)
chat "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"$big\"}]}"
is "$code:$(jqb .error.code)" "413:request_too_large" "body over --max-body: 413"
printf '{"model":"m1","messages":[{"role":"user","content":"%s"}]}' "$big" >"$T/big.json"
req "$SRV/v1/chat/completions" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$T/big.json"
is "$code" 413 "chunked body over --max-body: 413"
chat '{"model":"m1","messages":[{"role":"user","content":"still fine"}]}'
is "$code:$(jqb .choices[0].message.content)" "200:echo: still fine" "a body under the cap still works"
req "$SRV/v1/nothing"
is "$code:$(jqb .error.type)" "404:invalid_request_error" "unknown route: 404 JSON"
req "$SRV/v1/chat/completions"
is "$code" 405 "GET on chat completions: 405"
like "$(hdr Allow)" POST "405: Allow: POST"
req -X POST "$SRV/v1/models"
is "$code" 405 "POST on /v1/models: 405"

# ---- /v1/models, /healthz, /metrics, /status.json
req "$SRV/v1/models"
is "$code" 200 "/v1/models: 200"
is "$(jqb '.object + " " + ([.data[].id]|join(","))')" "list auto,m1" "/v1/models: auto and the pool's models"
is "$(jqb '[.data[].object]|unique|join(",")')" model "/v1/models: model objects"
req "$SRV/healthz"
is "$code:$(jqb .status)" "200:ok" "/healthz: 200 ok"
req "$SRV/status.json"
is "$code:$(jqb '.[0].id + " " + .[0].state')" "200:openai-1:m1 ok" "/status.json: an array of entry states"
req "$SRV/metrics"
is "$code" 200 "/metrics: 200"
like "$(hdr Content-Type)" '^text/plain; version=0.0.4' "/metrics: Prometheus content type"
like "$body" 'llm_serve_requests_total\{route="/v1/chat/completions",status="200"\} [1-9]' "/metrics: requests by route and status"
like "$body" 'llm_serve_requests_total\{route="/v1/chat/completions",status="400"\} [1-9]' "/metrics: 400s counted"
like "$body" 'llm_serve_attempts_total\{entry="openai-1:m1",kind="ok"\} [1-9]' "/metrics: attempts by entry and kind"
like "$body" 'llm_serve_request_duration_seconds_bucket\{le="\+Inf"\} [1-9]' "/metrics: latency histogram"
like "$body" 'llm_serve_overhead_seconds_count [1-9]' "/metrics: overhead histogram"
like "$body" 'llm_serve_entries\{state="cooling"\} 0' "/metrics: entries by state"
like "$body" 'llm_serve_entry_up\{entry="openai-1:m1"\} 1' "/metrics: entry up"
is "$(printf '%s\n' "$body" | grep -v '^#' | grep -Evc '^[a-z_]+(\{[^}]*\})? [-+0-9.eInf]+$')" 0 "/metrics: every sample line is well-formed"
stop_serve

# metrics show cooling entries
export OPENAI_API_KEY_1='r1+retry=30' OPENAI_MODELS=m1
rm -rf "$XDG_STATE_HOME"
start_serve
chat '{"model":"m1","messages":[{"role":"user","content":"busy"}]}'
req "$SRV/metrics"
like "$body" 'llm_serve_entries\{state="cooling"\} 1' "/metrics: a cooling entry counted"
like "$body" 'llm_serve_entry_unavailable_seconds\{entry="openai-1:m1",state="cooling"\} [0-9]' "/metrics: its time left"
like "$body" 'llm_serve_attempts_total\{entry="openai-1:m1",kind="rate_limited"\} 1' "/metrics: the rate-limited attempt"
stop_serve

done_testing

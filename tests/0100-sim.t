#!/bin/sh
# llm-sim: answer shapes per flavor, the key-encoded faults, the request log,
# the /_sim endpoints and the command line.
. "$(dirname "$0")/lib.sh"

CR=$(printf '\r')

OAI_BODY='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"sys"},{"role":"user","content":"hello"}]}'
oai() { req "$SIM/v1/chat/completions" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
	-d "${2:-$OAI_BODY}"; }
GEM_BODY='{"contents":[{"role":"user","parts":[{"text":"hi "},{"text":"there"}]}]}'
gem() { req "$SIM/v1beta/models/gemini-2.5-flash:generateContent" -H "x-goog-api-key: $1" -d "${2:-$GEM_BODY}"; }
ZH_BODY='{"model":"glm-4.7-flash","messages":[{"role":"user","content":"你好"}]}'
zh() { req "$SIM/api/paas/v4/chat/completions" -H "Authorization: Bearer $1" -d "${2:-$ZH_BODY}"; }
CF_RUN=/client/v4/accounts/acct1/ai/run/@cf/meta/llama-3.1-8b-instruct
cf() { req "$SIM$CF_RUN" -H "Authorization: Bearer $1" -d "${2:-{\"prompt\":\"ping\"\}}"; }

# ---- command line
run llm-sim --help
is "$rc" 0 "--help exits 0"
like "$out" '^usage: llm-sim ' "--help prints the usage on stdout"
for o in help host log port port-file quiet threads; do
	case "$out" in *"--$o"*) ok "--help lists --$o" ;; *) nok "--help lists --$o" ;; esac
	grep -q -- "Fl -$o" "$TOP/man/llm-sim.1" && ok "man page lists --$o" || nok "man page lists --$o"
	for f in "$TOP/completions/bash/llm-sim" "$TOP/completions/zsh/_llm-sim" "$TOP/completions/fish/llm-sim.fish"; do
		grep -q -- "$o" "$f" || { nok "$f lists --$o"; continue 2; }
	done
	ok "completions list --$o"
done
run llm-sim --port nope
is "$rc" 2 "bad port: exit 2"
like "$err" '^llm-sim: .*port' "bad port: one message"
is "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 1 "bad port: one line"
run llm-sim --host 0.0.0.0
is "$rc" 2 "non-loopback host refused"
run llm-sim --bogus
is "$rc" 2 "unknown option: exit 2"
run llm-sim --threads 0
is "$rc" 2 "bad thread count: exit 2"

start_sim
like "$SIM_PORT" '^[0-9]+$' "port file holds the port"
like "$(cat "$T/sim.err")" "^llm-sim: listening on http://127.0.0.1:$SIM_PORT\$" "listening line on stderr"

# ---- OpenAI
oai good1
is "$code" 200 "openai: 200"
is "$(jqb .object)" chat.completion "openai: chat.completion"
is "$(jqb '.choices[0].message.content')" "echo: hello" "openai: echo of the last user message"
is "$(jqb '.choices[0].message.role + " " + .choices[0].finish_reason')" "assistant stop" "openai: role and finish_reason"
is "$(jqb '[.usage.prompt_tokens,.usage.completion_tokens,.usage.total_tokens]|join(",")')" "2,3,5" "openai: usage"
is "$(jqb '(.id|startswith("chatcmpl-")) and (.created|type=="number") and (.system_fingerprint|type=="string")')" true "openai: id, created, fingerprint"
like "$(hdr content-type)" '^application/json' "openai: JSON content type"

req "$SIM/v1/chat/completions" -H 'Authorization: Bearer good1' \
	-d '{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"one two three"}]}'
is "$code" 200 "openai stream: 200"
like "$(hdr content-type)" '^text/event-stream' "openai stream: event-stream"
is "$(grep -c "$CR" "$T/b")" 0 "openai stream: LF framing"
is "$(tail -n 2 "$T/b" | head -1)" "data: [DONE]" "openai stream: ends with [DONE]"
sed -n 's/^data: //p' "$T/b" | grep -v '^\[DONE\]$' >"$T/ev"
is "$(jq -s -r '.[0].choices[0].delta.role' "$T/ev")" assistant "openai stream: first chunk has the role"
is "$(jq -s -r '[.[].choices[0].delta.content // empty]|join("")' "$T/ev")" "echo: one two three" "openai stream: content"
check "openai stream: >= 2 content chunks" test "$(jq -s '[.[].choices[0].delta.content // empty | select(. != "")]|length' "$T/ev")" -ge 2
is "$(jq -s -c '.[-2].choices[0] | [.finish_reason, .delta]' "$T/ev")" '["stop",{}]' "openai stream: final chunk"
is "$(jq -s -c '.[-1] | [.choices, .usage.total_tokens, .object]' "$T/ev")" '[[],9,"chat.completion.chunk"]' "openai stream: usage chunk"
req "$SIM/openai/v1/chat/completions" -H 'Authorization: Bearer good1' -d '{"model":"x","stream":true,"messages":[{"role":"user","content":"a b"}]}'
# (the text too: a request that streamed nothing has no usage chunk either)
is "$(sed -n 's/^data: //p' "$T/b" | grep -v DONE | jq -s -c '[([.[].choices[0].delta.content // empty]|join("")), ([.[]|select(.usage)]|length)]')" \
	'["echo: a b",0]' "openai stream: no usage chunk unless asked"

oai sr '{"model":"m","messages":[{"role":"user","content":"give JSON SIM-REPLY: {\"a\": [1,2}"}]}'
is "$(jqb '.choices[0].message.content')" '{"a": [1,2}' "SIM-REPLY: the reply is what follows the marker"

req "$SIM/v1/models" -H 'Authorization: Bearer good1'
is "$(jqb '.object + " " + .data[0].object + " " + .data[0].owned_by')" "list model llm-sim" "openai: model list"

# ---- Gemini
gem g1
is "$code" 200 "gemini: 200"
is "$(jqb '.candidates[0].content.parts[0].text')" "echo: hi there" "gemini: parts joined, echoed"
is "$(jqb '.candidates[0].finishReason + " " + .modelVersion + " " + .candidates[0].content.role')" "STOP gemini-2.5-flash model" "gemini: finishReason, modelVersion"
is "$(jqb '.usageMetadata | [.promptTokenCount,.candidatesTokenCount,.totalTokenCount]|join(",")')" "2,4,6" "gemini: usageMetadata"
is "$(jqb '.responseId|type')" string "gemini: responseId"

req "$SIM/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=g2" \
	-d '{"contents":[{"role":"user","parts":[{"text":"alpha beta gamma"}]}]}'
is "$code" 200 "gemini stream: 200"
n=$(grep -c "^data: " "$T/b")
check "gemini stream: >= 2 events" test "$n" -ge 2
is "$(grep -c "^$CR\$" "$T/b")" "$n" "gemini stream: every event ends in CRLF CRLF"
is "$(od -An -c "$T/b" | tr -d ' \n' | grep -o '\\r\\n\\r\\n' | wc -l | tr -d ' ')" "$n" "gemini stream: CRLF CRLF separators (od)"
is "$(grep -c DONE "$T/b")" 0 "gemini stream: no [DONE]"
sed -n 's/^data: //p' "$T/b" | tr -d '\r' >"$T/ev"
is "$(jq -s -r '[.[].candidates[0].content.parts[].text]|join("")' "$T/ev")" "echo: alpha beta gamma" "gemini stream: text"
is "$(jq -s -r '[.[-1].candidates[0].finishReason, .[-1].usageMetadata.candidatesTokenCount, (.[0].candidates[0].finishReason // "none")]|join(",")' "$T/ev")" "STOP,6,none" "gemini stream: finish and usage on the last chunk only"

req "$SIM/v1beta/models?key=g1"
is "$(jqb '.models[0].name')" "models/gemini-2.5-flash" "gemini: model list"

# ---- Zhipu
zh z1
is "$code" 200 "zhipu: 200"
is "$(jqb '.choices[0].message.content + " " + .choices[0].finish_reason + " " + .model')" "echo: 你好 stop glm-4.7-flash" "zhipu: answer"
is "$(jqb '(.request_id|type) + (.usage.total_tokens|type)')" stringnumber "zhipu: request_id and usage"
req "$SIM/api/paas/v4/chat/completions" -H 'Authorization: Bearer z1' -d '{"model":"glm-4.7-flash","stream":true,"messages":[{"role":"user","content":"a b c"}]}'
sed -n 's/^data: //p' "$T/b" | grep -v '^\[DONE\]$' >"$T/ev"
is "$(jq -s -r '[.[].choices[0].delta.content]|join("")' "$T/ev")" "echo: a b c" "zhipu stream: content"
is "$(jq -s -r '.[-1].choices[0].finish_reason + " " + (.[-1].usage.total_tokens|tostring)' "$T/ev")" "stop 5" "zhipu stream: last chunk has finish and usage"
is "$(tail -n 2 "$T/b" | head -1)" "data: [DONE]" "zhipu stream: [DONE]"

# ---- Cloudflare
cf c1
is "$code" 200 "cloudflare: 200"
is "$(jqb '[.success, .result.response, .result.usage.total_tokens, (.errors|length)]|@json')" '[true,"echo: ping",4,0]' "cloudflare: envelope"
cf c1 '{"messages":[{"role":"system","content":"s"},{"role":"user","content":"yo"}]}'
is "$(jqb .result.response)" "echo: yo" "cloudflare: messages form"
cf c1 '{"prompt":"SIM-REPLY: {\"city\":\"Lyon\"}","response_format":{"type":"json_schema","json_schema":{"type":"object"}}}'
is "$(jqb '.result.response|type')" object "cloudflare JSON mode: response is an object"
cf c1 '{"prompt":"not json","response_format":{"type":"json_object"}}'
is "$code" 400 "cloudflare JSON mode: 400 when the reply is not JSON"
like "$body" "JSON Mode couldn't be met" "cloudflare JSON mode: message"
req "$SIM$CF_RUN" -H 'Authorization: Bearer c1' -d '{"prompt":"x y","stream":true}'
sed -n 's/^data: //p' "$T/b" | grep -v '^\[DONE\]$' >"$T/ev"
is "$(jq -s -r '[.[].response]|join("")' "$T/ev")" "echo: x y" "cloudflare stream: text"
is "$(jq -s -c '.[-1]|[.response,.usage.total_tokens]' "$T/ev")" '["",4]' "cloudflare stream: usage event"
is "$(tail -n 2 "$T/b" | head -1)" "data: [DONE]" "cloudflare stream: [DONE]"
req "$SIM/client/v4/accounts/acct1/ai/v1/chat/completions" -H 'Authorization: Bearer c1' -d "$OAI_BODY"
is "$(jqb '.object + " " + .choices[0].message.content')" "chat.completion echo: hello" "cloudflare openai path: chat.completion"
req "$SIM/client/v4/accounts/acct1/ai/v1/chat/completions" -H 'Authorization: Bearer c1+invalid' -d "$OAI_BODY"
is "$code $(jqb '.errors[0].code')" "401 10000" "cloudflare openai path: errors in the Cloudflare envelope"

# ---- missing key, bad bodies
oai ""
is "$code $(jqb .error.type)" "401 invalid_request_error" "openai: no key, 401"
req "$SIM/v1beta/models/gemini-2.5-flash:generateContent" -d "$GEM_BODY"
is "$code $(jqb .error.status)" "403 PERMISSION_DENIED" "gemini: no key, 403"
zh ""
is "$code $(jqb .error.code)" "401 1001" "zhipu: no key, 1001"
req "$SIM$CF_RUN" -d '{"prompt":"x"}'
is "$code $(jqb '.errors[0].code')" "401 10000" "cloudflare: no key, 10000"
oai good1 '{"model":'
is "$code $(jqb .error.type)" "400 invalid_request_error" "malformed JSON: 400 invalid_request_error"
head -c 9000000 /dev/zero | tr '\0' 'a' >"$T/big"
req "$SIM/v1/chat/completions" -H 'Authorization: Bearer good1' --data-binary @"$T/big"
is "$code" 413 "body over 8 MiB: 413"
oai good1+nosuchfault
is "$code" 400 "unknown fault: 400"
like "$(jqb .error.message)" "unknown fault 'nosuchfault'" "unknown fault: named"

# ---- faults
oai sk-abcdef123+invalid
is "$code $(jqb .error.code)" "401 invalid_api_key" "invalid: openai 401 invalid_api_key"
like "$(jqb .error.message)" '^Incorrect API key provided: sk-\*\*\*lid\.' "invalid: openai echoes a masked key"
gem g1+invalid
is "$code $(jqb '.error.details[0].reason')" "400 API_KEY_INVALID" "invalid: gemini 400 API_KEY_INVALID"
zh z1+invalid
is "$code $(jqb .error.code)" "401 1000" "invalid: zhipu 1000"

oai r1+rpm=1
is "$code $(hdr x-ratelimit-limit-requests) $(hdr x-ratelimit-remaining-requests)" "200 1 0" "rpm: first passes, x-ratelimit headers"
like "$(hdr x-ratelimit-reset-requests)" '^[0-9.]+(ms|s)$|m[0-9.]+s$' "rpm: reset is a Go duration"
oai r1+rpm=1
is "$code $(jqb .error.code)" "429 rate_limit_exceeded" "rpm: second is 429 rate_limit_exceeded"
like "$(hdr retry-after)" '^[0-9]+$' "rpm: retry-after header"
like "$(jqb .error.message)" 'requests per min \(RPM\): Limit 1, .*Please try again in [0-9.]+s' "rpm: OpenAI message"
gem g3+rpm=1; gem g3+rpm=1
is "$code $(jqb .error.status)" "429 RESOURCE_EXHAUSTED" "rpm: gemini 429 RESOURCE_EXHAUSTED"
is "$(jqb '.error.details[]|select(."@type"|endswith("QuotaFailure"))|.violations[0].quotaId')" \
	GenerateRequestsPerMinutePerProjectPerModel-FreeTier "rpm: gemini per-minute quotaId"
like "$(jqb '.error.details[]|select(."@type"|endswith("RetryInfo"))|.retryDelay')" '^[0-9]+s$' "rpm: gemini RetryInfo"
zh z2+rpm=1; zh z2+rpm=1
is "$code $(jqb .error.code) $(hdr retry-after)" "429 1302 " "rpm: zhipu 1302, no headers"
cf c2+rpm=1; cf c2+rpm=1
is "$code $(jqb '.errors[0].code')" "429 971" "rpm: cloudflare 429"

oai o1+rpm=1+owner=proj; oai o2+rpm=1+owner=proj
is "$code" 429 "owner: keys of one owner share the bucket"
oai o3+rpm=1+owner=other
is "$code" 200 "owner: another owner has its own bucket"

gem d1+rpd=1; gem d1+rpd=1
is "$code $(jqb '.error.details[]|select(."@type"|endswith("QuotaFailure"))|.violations[0].quotaId')" \
	"429 GenerateRequestsPerDayPerProjectPerModel-FreeTier" "rpd: gemini per-day quotaId"
oai d2+rpd=1; oai d2+rpd=1
like "$code $(jqb .error.message)" '^429 .*requests per day \(RPD\)' "rpd: openai RPD message"
zh d3+rpd=0
is "$code $(jqb .error.code)" "429 1304" "rpd: zhipu 1304"
cf q1+quota
is "$code $(jqb '.errors[0].code')" "429 3036" "quota: cloudflare 3036"
like "$(jqb '.errors[0].message')" 'daily free allocation of 10,000 neurons' "quota: cloudflare neurons message"

oai t1+retry=7
is "$code $(hdr retry-after) $(hdr x-ratelimit-reset-requests)" "429 7 7s" "retry: openai retry-after 7"
gem t1+retry=7
is "$(jqb '.error.details[]|select(."@type"|endswith("RetryInfo"))|.retryDelay')" 7s "retry: gemini retryDelay 7s"

oai m1+credit
is "$code $(jqb .error.code)" "429 insufficient_quota" "credit: openai insufficient_quota"
zh m1+credit
is "$code $(jqb .error.code)" "429 1113" "credit: zhipu 1113"
gem v1+overload
is "$code $(jqb .error.status)" "503 UNAVAILABLE" "overload: gemini 503 UNAVAILABLE"
cf v1+overload
is "$code $(jqb '.errors[0].code')" "429 3040" "overload: cloudflare 3040"
zh v1+overload
is "$code $(jqb .error.code)" "429 1305" "overload: zhipu 1305"
oai s1+status=502
is "$code $(jqb .error.type)" "502 server_error" "status=502: openai server_error"
oai n1+model404
is "$code $(jqb .error.code)" "404 model_not_found" "model404: openai"
cf n1+model404
is "$code $(jqb '.errors[0].code')" "400 5007" "model404: cloudflare 5007"
zh n1+model404
is "$code $(jqb .error.code)" "400 1211" "model404: zhipu 1211"
gem x1+context=1
is "$code $(jqb .error.message)" "400 The input token count (2) exceeds the maximum number of tokens allowed (1)." "context: gemini message"
cf x1+context=0
is "$code $(jqb '.errors[0].code')" "413 3006" "context: cloudflare 413 3006"
oai x1+context=1
is "$code $(jqb .error.code)" "400 context_length_exceeded" "context: openai context_length_exceeded"
oai x1+context=100
is "$code" 200 "context: small prompt passes"
gem b1+block
is "$code $(jqb '.promptFeedback.blockReason') $(jqb '.candidates|length')" "200 SAFETY 0" "block: gemini promptFeedback, no candidates"
oai b1+block
is "$code $(jqb '.choices[0].finish_reason')" "200 content_filter" "block: openai content_filter"
zh b1+block
is "$code $(jqb .error.code)" "400 1301" "block: zhipu 1301"
SCHEMA_BODY='{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object"}}}}'
oai ns1+noschema "$SCHEMA_BODY"
is "$code $(jqb .error.type)" "400 invalid_request_error" "noschema: schema refused"
oai ns1+noschema
is "$code" 200 "noschema: plain request works"

oai f1+flaky=2; c1=$code; oai f1+flaky=2; c2=$code; oai f1+flaky=2; c3=$code; oai f1+flaky=2
is "$c1 $c2 $c3 $code" "200 500 200 500" "flaky=2: every 2nd request is 500"
oai fa1+failafter=1; c1=$code; oai fa1+failafter=1
is "$c1 $code" "200 503" "failafter=1: then 503"
oai tk0+tpm=100000
tt=$(jqb .usage.total_tokens)
oai "tk1+tpm=$((2 * tt))"; c1=$code; oai "tk1+tpm=$((2 * tt))"; c2=$code; oai "tk1+tpm=$((2 * tt))"
is "$c1 $c2 $code $(jqb .error.code)" "200 200 429 rate_limit_exceeded" "tpm: tokens per minute, then 429"
gem "gk1+tpm=1"
is "$code $(jqb .error.status)" "429 RESOURCE_EXHAUSTED" "tpm: a request over the whole budget gets 429 (gemini)"
oai bu1+burst=5; c1=$code
sleep 1.2
oai bu1+burst=5
is "$c1 $code" "503 200" "burst=5: the first second of every 5 is 503, then 200"

oai tr1+truncate
is "$code" 200 "truncate: 200"
check "truncate: body is not JSON" sh -c "! jq . '$T/b' >/dev/null 2>&1"
is "$(hdr content-length)" "$(wc -c <"$T/b" | tr -d ' ')" "truncate: Content-Length matches"
oai gb1+garbage
like "$code $(hdr content-type)" '^200 text/html' "garbage: 200 text/html"
check "garbage: body is not JSON" sh -c "! jq . '$T/b' >/dev/null 2>&1"
req "$SIM/v1/chat/completions" -H 'Authorization: Bearer cut1+cut' -d '{"model":"m","stream":true,"messages":[{"role":"user","content":"a b c d e f"}]}'
is "$code $(grep -c DONE "$T/b") $(grep -c finish_reason\":\"stop "$T/b")" "200 0 0" "cut: no finish reason, no [DONE]"
check "cut: some content was sent" grep -q '"content":"echo:"' "$T/b"
req "$SIM/v1beta/models/m:streamGenerateContent?alt=sse" -H 'x-goog-api-key: cut2+cut' -d "$GEM_BODY"
is "$(grep -c finishReason "$T/b") $(grep -c '^data: ' "$T/b")" "0 1" "cut: gemini stream stops early"
curl -s -o /dev/null "$SIM/v1/chat/completions" -H 'Authorization: Bearer rs1+reset' -d "$OAI_BODY"
is "$?" 52 "reset: connection closed without a response"
curl -s -o /dev/null -m 0.4 "$SIM/v1/chat/completions" -H 'Authorization: Bearer h1+hang' -d "$OAI_BODY"
is "$?" 28 "hang: no answer until the client gives up"

# slow does not block other requests
curl -s -o "$T/slow" -w '%{time_total}' "$SIM/v1/chat/completions" -H 'Authorization: Bearer sl1+slow=600' -d "$OAI_BODY" >"$T/slowt" &
slowpid=$!
sleep 0.1
t=$(curl -s -o /dev/null -w '%{time_total}' "$SIM/v1/chat/completions" -H 'Authorization: Bearer fast1' -d "$OAI_BODY")
check "slow: other requests are not blocked ($t s)" awk "BEGIN{exit !($t < 0.3)}"
# conc: the slow one is in flight on its bucket
zh cc1+conc=1+slow=0; zh_ok=$code
wait $slowpid
t=$(cat "$T/slowt")
check "slow=600: the answer took >= 0.6 s ($t s)" awk "BEGIN{exit !($t >= 0.59)}"
is "$(jq -r '.choices[0].message.content' "$T/slow")" "echo: hello" "slow: answer intact"
is "$zh_ok" 200 "conc=1: alone it passes"
req "$SIM/api/paas/v4/chat/completions" -H 'Authorization: Bearer cc2+conc=1+slow=500' -d "$ZH_BODY" -o /dev/null &
ccpid=$!
sleep 0.15
zh cc2+conc=1
is "$code $(jqb .error.code)" "429 1302" "conc=1: second in flight is zhipu 1302"
like "$(jqb .error.message)" '并发' "conc=1: zhipu concurrency message"
wait $ccpid
req "$SIM/v1/chat/completions" -H 'Authorization: Bearer sl2+slow=400' -d '{"model":"m","stream":true,"messages":[{"role":"user","content":"a b c"}]}'
is "$(tail -n 2 "$T/b" | head -1)" "data: [DONE]" "slow stream: complete"

# ---- the log
req "$SIM/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" -H 'x-goog-api-key: logk' -d "$GEM_BODY"
last=$(tail -n 1 "$SIM_LOG")
is "$(printf '%s' "$last" | jq -c '[.method,.path,.query,.flavor,.key,.auth,.model,.stream,.status,.fault]')" \
	'["POST","/v1beta/models/gemini-2.5-flash:streamGenerateContent","alt=sse","gemini","logk","x-goog-api-key","gemini-2.5-flash",true,200,null]' "log: fields"
is "$(printf '%s' "$last" | jq -c .body)" "$(printf '%s' "$GEM_BODY" | jq -c .)" "log: the request body as sent"
check "log: seq and t are numbers" sh -c "tail -n 1 '$SIM_LOG' | jq -e '(.seq|type==\"number\") and .t > 1700000000000' >/dev/null"
is "$(grep -c '"fault":"rpm"' "$SIM_LOG")" 5 "log: faults recorded"
oai good1 '{"model":'
is "$(tail -n 1 "$SIM_LOG" | jq -c '[.body,.fault,.status]')" '["{\"model\":","badjson",400]' "log: a non-JSON body is logged as a string"
req "$SIM/_sim/requests"
is "$(wc -l <"$T/b" | tr -d ' ')" "$(wc -l <"$SIM_LOG" | tr -d ' ')" "/_sim/requests: one line per logged request"
check "/_sim/requests: NDJSON" sh -c "jq -e . '$T/b' >/dev/null"

# ---- stats and reset
req "$SIM/_sim/stats"
is "$(jqb '.by_key.good1 | [.requests >= 5, .ok >= 4, .errors >= 1] | all')" true "/_sim/stats: per key"
is "$(jqb '.by_key.r1 | [.requests,.ok,.errors]|join(",")')" "2,1,1" "/_sim/stats: counts by key name"
is "$(jqb '.requests')" "$(wc -l <"$SIM_LOG" | tr -d ' ')" "/_sim/stats: total"
req -X POST "$SIM/_sim/reset"
is "$code" 200 "/_sim/reset: 200"
req "$SIM/_sim/stats"
is "$(jqb '[.requests, (.by_key|length)]|@json')" "[0,0]" "/_sim/reset: counters cleared"
req "$SIM/_sim/requests"
is "$body" "" "/_sim/reset: in-memory log cleared"
oai r1+rpm=1
is "$code" 200 "/_sim/reset: buckets cleared"

# ---- shutdown
curl -s -o /dev/null -m 3 "$SIM/v1/chat/completions" -H 'Authorization: Bearer h2+hang' -d "$OAI_BODY" &
sleep 0.1
kill -TERM "$SIM_PID"
wait "$SIM_PID"
is "$?" 0 "SIGTERM with a hung request: exit 0"
wait

# the request log holds prompts and answers: created 0600 whatever the umask
(umask 022; llm-sim --port 0 --port-file "$T/m.port" --log "$T/m.log" 2>/dev/null & echo $! >"$T/m.pid"; wait) &
for _i in $(seq 1 200); do [ -s "$T/m.port" ] && break; sleep 0.02; done
is "$(stat -c %a "$T/m.log")" 600 "the request log is created 0600 (umask 022)"
kill "$(cat "$T/m.pid")" 2>/dev/null
done_testing

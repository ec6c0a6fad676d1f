#!/bin/sh
# llm-serve against hostile web pages and careless set-ups: DNS rebinding
# and cross-site posts (Host, Origin, Content-Type), tokens that are not
# there, the token file's mode, the log's mode, request size bounds, a port
# already served, and a client that hangs up while its answer is awaited.
. "$(dirname "$0")/lib.sh"

JSON='Content-Type: application/json'
BODY='{"model":"auto","messages":[{"role":"user","content":"hi"}]}'
ms() { date +%s%3N; }
nsim() { if [ -f "$SIM_LOG" ]; then wc -l <"$SIM_LOG" | tr -d ' '; else echo 0; fi; }

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 LLM_STATE=memory

# ---- without tokens: Host, Origin, Content-Type
start_serve
P=$SRV_PORT
# the attack as a rebinding page sends it
req "$SRV/v1/chat/completions" -H "Host: attacker.example:$P" -H "Origin: http://attacker.example:$P" \
	-H 'Content-Type: text/plain' -d "$BODY"
is "$code" 403 "rebinding: a foreign Host is refused (403)"
is "$(jqb '.error | [.type, .code, .param] | tostring')" '["invalid_request_error","forbidden_host",null]' \
	"rebinding: OpenAI error shape"
like "$(jqb .error.message)" 'Host not allowed' "rebinding: the message says why"
for path in /status.json / /index.html /metrics /v1/models /healthz; do
	req "$SRV$path" -H "Host: attacker.example:$P"
	is "$code" 403 "rebinding: GET $path with a foreign Host: 403"
done
req "$SRV/" -H "Host: attacker.example:$P"
unlike "$body" '<html|<script' "rebinding: the status page is not sent"
req "$SRV/v1/chat/completions" -H "Host: 127.0.0.1.attacker.example" -H "$JSON" -d "$BODY"
is "$code" 403 "a host name that starts like 127.0.0.1: 403"
req "$SRV/v1/chat/completions" -H "Host: localhost.attacker.example:$P" -H "$JSON" -d "$BODY"
is "$code" 403 "a host name that starts like localhost: 403"
req "$SRV/v1/chat/completions" -H "Host: 10.0.0.1:$P" -H "$JSON" -d "$BODY"
is "$code" 403 "a non-loopback address in Host: 403"

# cross-site: a loopback Host, a foreign Origin
for path in /v1/chat/completions /status.json /; do
	if [ "$path" = /v1/chat/completions ]; then
		req "$SRV$path" -H 'Origin: http://attacker.example' -H "$JSON" -d "$BODY"
	else
		req "$SRV$path" -H 'Origin: http://attacker.example'
	fi
	is "$code:$(jqb .error.code)" "403:forbidden_origin" "a foreign Origin on $path: 403"
done
req "$SRV/v1/chat/completions" -H 'Origin: null' -H "$JSON" -d "$BODY"
is "$code" 403 "Origin: null (a sandboxed or file page): 403"
req "$SRV/v1/chat/completions" -H "Origin: http://localhost.attacker.example:$P" -H "$JSON" -d "$BODY"
is "$code" 403 "an Origin that starts like localhost: 403"

# a form post: no JSON content type
req "$SRV/v1/chat/completions" -H 'Content-Type: text/plain' -d "$BODY"
is "$code" 415 "text/plain body: 415"
is "$(jqb '.error | [.type, .code] | tostring')" '["invalid_request_error","unsupported_media_type"]' \
	"415: OpenAI error shape"
like "$(jqb .error.message)" 'application/json' "415: says what is needed"
req "$SRV/v1/chat/completions" -d "$BODY"
is "$code" 415 "a form's type (curl -d): 415"
req "$SRV/v1/chat/completions" -H 'Content-Type: multipart/form-data; boundary=x' -d "$BODY"
is "$code" 415 "multipart/form-data: 415"
req "$SRV/v1/chat/completions" -H 'Content-Type:' -d "$BODY"
is "$code" 415 "no Content-Type: 415"
req "$SRV/v1/chat/completions" -H 'Content-Type: application/jsonp' -d "$BODY"
is "$code" 415 "application/jsonp: 415"
is "$(nsim)" 0 "nothing refused reached the provider"

# what a local client sends is accepted
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
is "$code:$(jqb .choices[0].message.content)" "200:echo: hi" "127.0.0.1, JSON: 200"
req "http://localhost:$P/v1/chat/completions" -H 'Content-Type: application/json; charset=utf-8' -d "$BODY"
is "$code" 200 "Host localhost, JSON with a charset: 200"
req "$SRV/v1/chat/completions" -H "Host: LOCALHOST" -H 'Content-Type: Application/JSON' -d "$BODY"
is "$code" 200 "Host and type in capitals: 200"
req "$SRV/v1/chat/completions" -H "Host: 127.3.4.5:$P" -H "Origin: http://127.0.0.1:$P" -H "$JSON" -d "$BODY"
is "$code" 200 "another 127/8 Host and a loopback Origin: 200"
req "$SRV/v1/chat/completions" -H "Host: [::1]:$P" -H "Origin: http://[::1]:$P" -H "$JSON" -d "$BODY"
is "$code" 200 "Host and Origin [::1]: 200"
req "$SRV/v1/chat/completions" -H "Origin: http://localhost:$P" -H 'Content-Type: application/vnd.x+json' -d "$BODY"
is "$code" 200 "Origin localhost, an application/...+json type: 200"
req "$SRV/status.json"
is "$code" 200 "/status.json from 127.0.0.1: 200"
req "http://localhost:$P/"
is "$code" 200 "the status page from localhost: 200"
req "$SRV/status.json" -H "Origin: http://localhost:$P"
is "$code" 200 "/status.json from the page's own origin: 200"
code=$(curl -s -o /dev/null -w '%{http_code}' -0 -H 'Host:' "$SRV/healthz")
is "$code" 200 "HTTP/1.0 without Host: 200"
stop_serve

# the literal listen address, IPv6
if curl -s -o /dev/null "http://[::1]:$SIM_PORT/" 2>/dev/null || ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
	rm -f "$T/serve6.port"
	llm-serve --listen '[::1]:0' --port-file "$T/serve6.port" 2>"$T/serve6.err" &
	p6=$!
	for _i in $(seq 1 250); do [ -s "$T/serve6.port" ] && break; sleep 0.02; done
	P6=$(cat "$T/serve6.port")
	req -g "http://[::1]:$P6/v1/chat/completions" -H "$JSON" -d "$BODY"
	is "$code" 200 "listening on [::1]: Host [::1]:port answered"
	req -g "http://[::1]:$P6/healthz" -H "Host: attacker.example"
	is "$code" 403 "listening on [::1]: a foreign Host refused"
	kill "$p6"; wait "$p6"
else
	ok "# SKIP no IPv6 loopback"; ok "# SKIP no IPv6 loopback"
fi

# ---- with tokens: any Host (a reverse proxy), any Origin; JSON still required
LLM_SERVE_TOKENS=tok1 start_serve
req "$SRV/v1/chat/completions" -H "Host: api.example.org" -H 'Origin: https://app.example.org' \
	-H 'Authorization: Bearer tok1' -H "$JSON" -d "$BODY"
is "$code" 200 "tokens: a proxy's Host and Origin are accepted"
req "$SRV/status.json" -H "Host: api.example.org" -H 'Authorization: Bearer tok1'
is "$code" 200 "tokens: /status.json under a proxy's Host"
req "$SRV/v1/chat/completions" -H "Host: api.example.org" -H 'Authorization: Bearer tok1' \
	-H 'Content-Type: text/plain' -d "$BODY"
is "$code" 415 "tokens: a text/plain body is still 415"
req "$SRV/v1/chat/completions" -H "Host: api.example.org" -H "$JSON" -d "$BODY"
is "$code" 401 "tokens: no token is still 401"
stop_serve

# ---- LLM_SERVE_TOKENS that yields no token is an error, not "no auth"
for v in '#tok' '' ' , ' '#a,#b'; do
	run timeout 5 env LLM_SERVE_TOKENS="$v" llm-serve --listen 127.0.0.1:0
	is "$rc" 78 "LLM_SERVE_TOKENS='$v': exit 78"
	like "$err" '^llm-serve: LLM_SERVE_TOKENS is set but holds no token' "LLM_SERVE_TOKENS='$v': says why"
	is "$(printf '%s\n' "$err" | grep -c .)" 1 "LLM_SERVE_TOKENS='$v': one line"
done
printf '# only a comment\n\n' >"$T/notok"
run timeout 5 llm-serve --listen 127.0.0.1:0 --token-file "$T/notok"
is "$rc" 78 "a token file without a token: exit 78"

# ---- the token file's mode; the log's mode
printf 'sekrit-token\n' >"$T/tokens"
chmod 644 "$T/tokens"
start_serve --token-file "$T/tokens"
like "$(cat "$T/serve.err")" "^llm-serve: warning: $T/tokens is readable by group or others \\(chmod 600" \
	"a token file readable by others: a warning"
unlike "$(cat "$T/serve.err")" 'sekrit' "the warning holds no token"
stop_serve
chmod 600 "$T/tokens"
start_serve --token-file "$T/tokens"
unlike "$(cat "$T/serve.err")" 'warning' "a token file of mode 600: no warning"
stop_serve
(umask 022; start_serve --log "$T/serve.log"
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
stop_serve)
is "$(stat -c %a "$T/serve.log")" 600 "--log: a new log is created 0600 (umask 022)"
check "--log: the log was written" test -s "$T/serve.log"

# ---- bounds on messages and parts
start_serve
n0=$(nsim)
awk 'BEGIN { printf "{\"model\":\"auto\",\"messages\":["; for (i = 0; i < 140000; i++) printf "%s{\"role\":\"user\",\"content\":\"\"}", i ? "," : ""; print "]}" }' >"$T/many.json"
t0=$(ms)
req "$SRV/v1/chat/completions" -H "$JSON" --data-binary @"$T/many.json"
el=$(($(ms) - t0))
is "$code" 400 "140,000 empty messages: 400"
like "$(jqb .error.message)" '^messages: 140000 messages; at most 4096' "140,000 messages: the message says the limit"
check "140,000 messages: refused quickly (${el} ms)" [ "$el" -lt 1500 ]
is "$(nsim)" "$n0" "140,000 messages: nothing sent upstream"
awk 'BEGIN { printf "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":["; for (i = 0; i < 5000; i++) printf "%s{\"type\":\"text\",\"text\":\"a\"}", i ? "," : ""; print "]}]}" }' >"$T/parts.json"
req "$SRV/v1/chat/completions" -H "$JSON" --data-binary @"$T/parts.json"
is "$code" 400 "5,000 content parts: 400"
like "$(jqb .error.message)" 'more than 4096 content parts' "5,000 parts: the message says the limit"
awk 'BEGIN { printf "{\"model\":\"auto\",\"messages\":["; for (i = 0; i < 4096; i++) printf "%s{\"role\":\"user\",\"content\":\"x\"}", i ? "," : ""; print "]}" }' >"$T/max.json"
req "$SRV/v1/chat/completions" -H "$JSON" --data-binary @"$T/max.json"
is "$code" 200 "4,096 messages: 200"
stop_serve

# ---- a port already served
start_serve
run timeout 5 llm-serve --listen "127.0.0.1:$SRV_PORT"
is "$rc" 1 "a second server on a served port: exit 1"
like "$err" "^llm-serve: --listen 127.0.0.1:$SRV_PORT: address already in use" "a served port: says so"
like "$err" 'reuse-port' "a served port: names --reuse-port"
is "$(printf '%s\n' "$err" | grep -c .)" 1 "a served port: one line"
req "$SRV/healthz"
is "$code" 200 "the first server still answers"
stop_serve
start_serve --reuse-port
rm -f "$T/serve2.port"
llm-serve --listen "127.0.0.1:$SRV_PORT" --reuse-port --port-file "$T/serve2.port" 2>"$T/serve2.err" &
p2=$!
for _i in $(seq 1 250); do [ -s "$T/serve2.port" ] && break; sleep 0.02; done
is "$(cat "$T/serve2.port" 2>/dev/null)" "$SRV_PORT" "--reuse-port on both: the second shares the port"
kill "$p2"; wait "$p2"
stop_serve

# ---- a client that hangs up before a whole answer cancels the call
export OPENAI_API_KEY_1='s1+slow=6000'
start_serve -v
n0=$(nsim)
t0=$(ms)
curl -s --max-time 0.5 "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY" >/dev/null 2>&1
t_gone=$(ms)
is "$(nsim)" $((n0 + 1)) "hang-up: the request had reached the provider"
# the provider sees its connection closed well before the answer's 6 s
upstream() { ss -Htn state established "( dport = :$SIM_PORT )" 2>/dev/null | grep -c .; }
closed=
for _i in $(seq 1 75); do
	if [ "$(upstream)" = 0 ]; then closed=$(ms); break; fi
	sleep 0.02
done
if [ -n "$closed" ]; then
	el=$((closed - t_gone))
	check "hang-up: the upstream connection closed soon after (${el} ms)" [ "$el" -lt 1500 ]
else
	nok "hang-up: the upstream connection closed soon after (still open after 1.5 s)"
fi
for _i in $(seq 1 100); do grep -q 'client gone' "$T/serve.err" && break; sleep 0.02; done
like "$(cat "$T/serve.err")" 'POST /v1/chat/completions 499 \(client gone\)' "hang-up: -v says 499 (client gone)"
req "$SRV/metrics"
like "$body" 'llm_serve_requests_total\{route="/v1/chat/completions",status="499"\} 1' "hang-up: /metrics counts a 499"
like "$body" 'llm_serve_inflight 0' "hang-up: nothing left in flight"
el=$(($(ms) - t0))
check "hang-up: all this well before the answer's 6 s (${el} ms)" [ "$el" -lt 4000 ]
# once the answer's time has passed, still no 200 is counted for it
sleep $(awk -v e="$(($(ms) - t0))" 'BEGIN { s = (6600 - e) / 1000; print (s > 0 ? s : 0) }')
req "$SRV/metrics"
unlike "$body" 'llm_serve_requests_total\{route="/v1/chat/completions",status="200"\}' "hang-up: after 6.6 s /metrics still counts no 200"
stop_serve

done_testing

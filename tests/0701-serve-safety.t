#!/bin/sh
# llm-serve: the command line, bearer tokens, loopback by default, slow
# clients, client disconnects, and draining on SIGTERM.
. "$(dirname "$0")/lib.sh"

JSON='Content-Type: application/json'
BODY='{"model":"auto","messages":[{"role":"user","content":"hi"}]}'
ms() { date +%s%3N; }

# ---- command line
run llm-serve --help
is "$rc" 0 "--help exits 0"
like "$out" '^usage: llm-serve ' "--help prints the usage on stdout"
opts=$(sed -n '/^static const struct option longopts/,/^};/s/^[^"]*"\([a-z-]*\)".*/\1/p' "$TOP/bin/llm-serve.c")
for o in $opts; do
	case "$out" in *"--$o"*) ok "--help lists --$o" ;; *) nok "--help lists --$o" ;; esac
	grep -q -- "Fl -$o" "$TOP/man/llm-serve.1" && ok "man page lists --$o" || nok "man page lists --$o"
	for f in "$TOP/completions/bash/llm-serve" "$TOP/completions/zsh/_llm-serve" "$TOP/completions/fish/llm-serve.fish"; do
		grep -q -- "$o" "$f" || { nok "$f lists --$o"; continue 2; }
	done
	ok "completions list --$o"
done
run llm-serve --bogus
is "$rc" 2 "unknown option: exit 2"
like "$err" '^usage: llm-serve ' "unknown option: usage on stderr"
run llm-serve --listen nonsense
is "$rc" 2 "--listen without a port: exit 2"
run llm-serve --max-body lots
is "$rc" 2 "bad --max-body: exit 2"
run llm-serve --threads 0
is "$rc" 2 "--threads 0: exit 2"
run llm-serve extra
is "$rc" 2 "an operand: exit 2"

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1 LLM_STATE=memory

# ---- non-loopback without tokens is refused (at once: under a time limit,
# so a server that takes 0.0.0.0 for loopback and serves fails, not hangs)
run timeout 10 llm-serve --listen 0.0.0.0:0
is "$rc" 2 "0.0.0.0 without tokens: exit 2"
like "$err" '^llm-serve: .*non-loopback.*token' "0.0.0.0 without tokens: says why"
is "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 1 "0.0.0.0 without tokens: one line"
run timeout 10 llm-serve --listen '[::]:0'
is "$rc" 2 "[::] without tokens: exit 2"
run env -u OPENAI_API_KEY_1 llm-serve --listen 127.0.0.1:0
is "$rc" 78 "no pool: exit 78"
rm -f "$T/serve.port"
LLM_SERVE_TOKENS=tok llm-serve --listen 0.0.0.0:0 --port-file "$T/serve.port" 2>"$T/serve.err" &
p=$!
for _i in $(seq 1 250); do [ -s "$T/serve.port" ] && break; sleep 0.02; done
if [ -s "$T/serve.port" ]; then ok "0.0.0.0 with tokens: listens"; else nok "0.0.0.0 with tokens: listens"; fi
kill $p; wait $p
is "$?" 0 "SIGTERM when idle: exit 0"

# ---- bearer tokens
printf '# tokens\nalpha\n\n  beta  \n' >"$T/tokens"
start_serve --token-file "$T/tokens"
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
is "$code" 401 "no token: 401"
is "$(jqb '.error | [.type, .code, .param] | tostring')" '["invalid_request_error","invalid_api_key",null]' "401: OpenAI error shape"
like "$(hdr WWW-Authenticate)" Bearer "401: WWW-Authenticate: Bearer"
req "$SRV/v1/chat/completions" -H 'Authorization: Bearer alph' -H "$JSON" -d "$BODY"
is "$code" 401 "wrong token: 401"
req "$SRV/v1/chat/completions" -H 'Authorization: Bearer alphaa' -H "$JSON" -d "$BODY"
is "$code" 401 "longer token: 401"
req "$SRV/v1/chat/completions" -H 'Authorization: Basic alpha' -H "$JSON" -d "$BODY"
is "$code" 401 "not a bearer: 401"
req "$SRV/v1/chat/completions" -H 'Authorization: Bearer alpha' -H "$JSON" -d "$BODY"
is "$code:$(jqb .choices[0].message.content)" "200:echo: hi" "first token: 200"
req "$SRV/v1/chat/completions" -H 'Authorization: Bearer beta' -H "$JSON" -d "$BODY"
is "$code" 200 "second token (trimmed): 200"
req "$SRV/v1/models"
is "$code" 401 "/v1/models needs the token"
req "$SRV/metrics"
is "$code" 401 "/metrics needs the token"
req "$SRV/status.json"
is "$code" 401 "/status.json needs the token"
req "$SRV/healthz"
is "$code" 200 "/healthz is open"
unlike "$(cat "$T/serve.err")" 'alpha|beta' "tokens never logged"
stop_serve
LLM_SERVE_TOKENS='one, two' start_serve
req "$SRV/v1/chat/completions" -H 'Authorization: Bearer two' -H "$JSON" -d "$BODY"
is "$code" 200 "LLM_SERVE_TOKENS: 200 with a listed token"
req "$SRV/v1/chat/completions" -H 'Authorization: Bearer three' -H "$JSON" -d "$BODY"
is "$code" 401 "LLM_SERVE_TOKENS: 401 with another"
stop_serve

# ---- provider keys never reach clients
export OPENAI_API_KEY_1='sk-secretsecretsecret1234+invalid' OPENAI_API_KEY_2='sk-secretsecretsecret5678+invalid'
start_serve
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
is "$code" 502 "every key invalid: 502"
unlike "$body$(cat "$T/h")" 'secretsecret' "no key material in the answer"
stop_serve
export OPENAI_API_KEY_1=good1
unset OPENAI_API_KEY_2

# ---- slow clients are dropped after --client-timeout
start_serve --client-timeout 1
stall() { # stall WHAT: sends part of a request, prints seconds until the server closes
	perl -MIO::Socket::INET -MTime::HiRes=time -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0]) or die;
		my $t = time;
		if ($ARGV[1] eq "headers") { print $s "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"; }
		else { print $s "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"mo"; }
		$s->flush;
		local $SIG{ALRM} = sub { print "stuck\n"; exit 0 }; alarm 6;
		my $buf; while (sysread($s, $buf, 4096)) {}
		printf "%.1f\n", time - $t;' "$SRV_PORT" "$1"
}
t=$(stall headers)
case $t in stuck) nok "headers stalled: closed after the timeout ($t)";; *)
	if awk -v t="$t" 'BEGIN { exit !(t >= 0.9 && t < 4) }'; then ok "headers stalled: closed after ~1 s ($t s)"; else nok "headers stalled: closed after ~1 s ($t s)"; fi;; esac
t=$(stall body)
case $t in stuck) nok "body stalled: closed after the timeout ($t)";; *)
	if awk -v t="$t" 'BEGIN { exit !(t >= 0.9 && t < 4) }'; then ok "body stalled: closed after ~1 s ($t s)"; else nok "body stalled: closed after ~1 s ($t s)"; fi;; esac
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
is "$code" 200 "the server still answers others"
stop_serve

# ---- a client that goes away mid-stream cancels its call
export OPENAI_API_KEY_1='s1+slow=3000'
start_serve -v
t0=$(ms)
curl -s -N --max-time 0.6 "$SRV/v1/chat/completions" -H "$JSON" -d '{"model":"m1","stream":true,"messages":[{"role":"user","content":"a b c d e f g h i j"}]}' >"$T/part" 2>/dev/null
like "$(head -1 "$T/part")" '^data: \{' "disconnect: the stream had started"
for _i in $(seq 1 100); do grep -q 'client gone' "$T/serve.err" && break; sleep 0.02; done
like "$(cat "$T/serve.err")" 'client gone' "disconnect: noticed"
req "$SRV/metrics"
like "$body" 'llm_serve_inflight 0' "disconnect: nothing left in flight"
if [ $(($(ms) - t0)) -lt 2500 ]; then ok "disconnect: the call ended before its upstream answer"; else nok "disconnect: the call ended before its upstream answer"; fi
stop_serve

# ---- SIGTERM drains in-flight requests
# slow_request: one request in flight (its code and body land in
# $T/drain.code and $T/drain.b); sets $cpid and $t0
slow_request() {
	curl -s -o "$T/drain.b" -w '%{http_code}' "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY" >"$T/drain.code" &
	cpid=$!
	sleep 0.2
	t0=$(ms)
}
export OPENAI_API_KEY_1='s1+slow=800'
start_serve
slow_request
kill -TERM "$SRV_PID"
sleep 0.1
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SRV/healthz")
is "$code" 000 "draining: new connections are refused"
wait "$cpid"
is "$(cat "$T/drain.code")" 200 "draining: the in-flight request still gets its 200"
is "$(jq -r .choices[0].message.content "$T/drain.b")" "echo: hi" "draining: with its answer"
wait "$SRV_PID"
is "$?" 0 "draining: exit 0"
el=$(($(ms) - t0))
if [ "$el" -lt 2000 ]; then ok "draining: stopped once the request was done (${el} ms)"; else nok "draining: stopped once the request was done (${el} ms)"; fi

# a request longer than --grace is cancelled, and the server still exits 0
export OPENAI_API_KEY_1='s1+slow=5000'
start_serve --grace 0.3
slow_request
kill -INT "$SRV_PID"
wait "$SRV_PID"
is "$?" 0 "grace over: exit 0"
wait "$cpid"
like "$(cat "$T/drain.code")" '^5[0-9][0-9]$' "grace over: the client gets a 5xx"
el=$(($(ms) - t0))
if [ "$el" -lt 2500 ]; then ok "grace over: stopped soon (${el} ms)"; else nok "grace over: stopped soon (${el} ms)"; fi

# a second signal cancels at once, without waiting for --grace
export OPENAI_API_KEY_1='s1+slow=5000'
start_serve --grace 30
slow_request
kill -TERM "$SRV_PID"
sleep 0.2
kill -TERM "$SRV_PID"
wait "$SRV_PID"
is "$?" 0 "second signal: exit 0"
wait "$cpid"
like "$(cat "$T/drain.code")" '^5[0-9][0-9]$' "second signal: the client gets a 5xx"
like "$(cat "$T/serve.err")" 'second signal: 1 request cancelled' "second signal: said on stderr"
el=$(($(ms) - t0))
if [ "$el" -lt 2500 ]; then ok "second signal: stopped at once (${el} ms)"; else nok "second signal: stopped at once (${el} ms)"; fi

done_testing

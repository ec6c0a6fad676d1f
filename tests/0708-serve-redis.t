#!/bin/sh
# llm-serve over a Redis state store that goes away and comes back: it says
# so at once on stderr, /healthz reports "degraded" and /metrics the store
# down, requests go on from memory, and the state is shared through Redis
# again once it answers. A Redis URL's password is never printed.
. "$(dirname "$0")/lib.sh"

need_redis
PW=s3cretpw0708
redis-cli -p "$RPORT" config set requirepass "$PW" >/dev/null
rcli() { REDISCLI_AUTH=$PW redis-cli -p "$RPORT" "$@" 2>/dev/null; }
# redis_again: a new redis-server on the same port, with the same password
redis_again() {
	redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
		--requirepass "$PW" --daemonize no --dir "$T" >>"$T/redis.log" 2>&1 &
	RPID=$!
	_pids="$_pids $RPID"
	for _i in $(seq 1 100); do rcli ping | grep -q PONG && return 0; sleep 0.05; done
	return 1
}
ms() { date +%s%3N; }

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1
export LLM_STATE="redis://:$PW@127.0.0.1:$RPORT/0"
JSON='Content-Type: application/json'
BODY='{"model":"auto","messages":[{"role":"user","content":"hi"}]}'
# up: the store as /healthz and /metrics tell it ("ok 1" or "degraded 0")
up() {
	req "$SRV/healthz"
	h=$(jqb .status)
	req "$SRV/metrics"
	m=$(printf '%s\n' "$body" | sed -n 's/^llm_serve_state_store_up{store="[a-z]*"} //p')
	echo "$h $m"
}

start_serve
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
is "$code" 200 "redis up: 200"
is "$(up)" "ok 1" "redis up: /healthz ok, /metrics store up"
check "redis up: the state is in Redis" sh -c "REDISCLI_AUTH=$PW redis-cli -p $RPORT --scan --pattern 'mlm:rec:*' 2>/dev/null | grep -q ."

# ---- Redis goes away
kill "$RPID"
wait "$RPID" 2>/dev/null
t0=$(ms)
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
is "$code" 200 "redis gone: requests still answered (from memory)"
for _i in $(seq 1 50); do grep -q 'went away' "$T/serve.err" && break; sleep 0.02; done
el=$(($(ms) - t0))
like "$(cat "$T/serve.err")" "^llm-serve: warning: redis 127.0.0.1:$RPORT went away \\(.*\\); state is kept in memory" \
	"redis gone: a warning on stderr"
check "redis gone: at once (${el} ms)" [ "$el" -lt 1500 ]
is "$(up)" "degraded 0" "redis gone: /healthz degraded, /metrics store down"
req "$SRV/healthz"
is "$code" 200 "redis gone: /healthz still 200 (the server works)"
is "$(grep -c 'went away' "$T/serve.err")" 1 "redis gone: said once, not per retry"

# ---- Redis comes back
redis_again || nok "redis restarted"
check "redis back: a fresh, empty Redis" sh -c "[ -z \"\$(REDISCLI_AUTH=$PW redis-cli -p $RPORT --scan --pattern 'mlm:*' 2>/dev/null)\" ]"
t0=$(ms)
back=
for _i in $(seq 1 60); do
	req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
	if grep -q 'is back; sharing' "$T/serve.err"; then back=1; break; fi
	sleep 0.25
done
el=$(($(ms) - t0))
check "redis back: noticed within the backoff (${el} ms)" [ -n "$back" -a "$el" -lt 12000 ]
like "$(cat "$T/serve.err")" "^llm-serve: warning: redis 127.0.0.1:$RPORT is back; sharing state again" "redis back: said on stderr"
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
is "$code" 200 "redis back: 200"
check "redis back: the state is in Redis again" sh -c "REDISCLI_AUTH=$PW redis-cli -p $RPORT --scan --pattern 'mlm:rec:*' 2>/dev/null | grep -q ."
is "$(up)" "ok 1" "redis back: /healthz ok, /metrics store up"
stop_serve
unlike "$(cat "$T/serve.err")" "$PW" "the password never printed"

# ---- Redis down when the server starts: memory, then Redis once it answers
kill "$RPID"
wait "$RPID" 2>/dev/null
start_serve
req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
is "$code" 200 "redis down at start: 200"
like "$(cat "$T/serve.err")" "^llm-serve: warning: redis 127.0.0.1:$RPORT: .*state is kept in memory" "redis down at start: a warning"
is "$(up)" "degraded 0" "redis down at start: degraded"
redis_again || nok "redis restarted"
for _i in $(seq 1 60); do
	req "$SRV/v1/chat/completions" -H "$JSON" -d "$BODY"
	grep -q 'is back; sharing' "$T/serve.err" && break
	sleep 0.25
done
is "$(up)" "ok 1" "redis down at start: back on Redis once it answers"
stop_serve
unlike "$(cat "$T/serve.err")" "$PW" "the password never printed (down at start)"

# ---- the same for another tool within a run: llm-map with Redis restarted
seq 1 600 >"$T/in.txt"
rcli flushall >/dev/null
: >"$T/map.out"     # there before the background job opens it
OPENAI_API_KEY_1=m1+slow=20 llm-map -j 4 . "$T/in.txt" >"$T/map.out" 2>"$T/map.err" &
mp=$!
for _i in $(seq 1 200); do [ "$(wc -l <"$T/map.out")" -ge 40 ] && break; sleep 0.02; done
kill "$RPID"; wait "$RPID" 2>/dev/null
sleep 0.5
redis_again || nok "redis restarted"
rcli flushall >/dev/null
wait "$mp"
is "$?" 0 "llm-map, Redis restarted mid-run: exit 0"
is "$(jq -r .i "$T/map.out" | sort -n | uniq | wc -l | tr -d ' ')" 600 "llm-map: every item answered once"
like "$(cat "$T/map.err")" "warning: redis 127.0.0.1:$RPORT went away" "llm-map: says Redis went away"
like "$(cat "$T/map.err")" "warning: redis 127.0.0.1:$RPORT is back; sharing state again" "llm-map: says Redis is back"
check "llm-map: its state is in the new Redis" sh -c "REDISCLI_AUTH=$PW redis-cli -p $RPORT --scan --pattern 'mlm:rec:*' 2>/dev/null | grep -q ."
unlike "$(cat "$T/map.err")" "$PW" "llm-map: no password printed"

# ---- a store that cannot be opened at all (a wrong password): degraded too
LLM_STATE="redis://:wrong$PW@127.0.0.1:$RPORT/0" start_serve
is "$(up)" "degraded 0" "a store that cannot be opened: /healthz degraded, /metrics down"
stop_serve
unlike "$(cat "$T/serve.err")" "$PW" "a store that cannot be opened: no password printed"

# ---- URLs that cannot be used: the warning names no password
for u in "redis://:$PW@127.0.0.1:99999/0" "redis://user:$PW@127.0.0.1:$RPORT/zz" \
	"redis://user:$PW@[::1/0" "redis://user:$PW@127.0.0.1:$RPORT/0/x" "redis://:wrong$PW@127.0.0.1:$RPORT/0"; do
	run env LLM_STATE="$u" llm-ask hi
	is "$rc" 0 "LLM_STATE=<bad url>: the call still works ($(printf %s "$u" | sed "s/$PW/PW/"))"
	like "$err" 'warning: .*(redis|LLM_STATE)' "LLM_STATE=<bad url>: a warning"
	unlike "$err" "$PW" "LLM_STATE=<bad url>: no password in it"
done

done_testing

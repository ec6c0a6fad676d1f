#!/bin/sh
# Faults of the machine around the tools: a full disk and a closed pipe on
# stdout; the state store deleted, locked or corrupt before a run; Redis
# killed mid-run; the simulator killed and restarted mid-run; DNS failure,
# connection refused, a server that never answers. (SIGKILL during a
# journal write: tests/0404; the state file spoiled mid-run: tests/0315.)
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY=good1 OPENAI_MODELS=m1
# elapsed CMD...: runs CMD like run, and sets $ms to its wall time
now_ms() { echo $(($(date +%s%N) / 1000000)); }
elapsed() { _t0=$(now_ms); run "$@"; ms=$(($(now_ms) - _t0)); }
nlines() { printf '%s' "$1" | grep -c .; }

# ---- stdout on a full disk: one line naming the program, non-zero exit
seq 1 3 >three.txt
echo one >one.txt
printf '{"a":1}\n{"a":2}\n' >fmt.txt
for t in llm-ask llm-map llm-pool llm-fmt; do
	case $t in
	llm-ask) run sh -c 'llm-ask hello >/dev/full' ;;
	llm-map) run sh -c 'llm-map -q . three.txt >/dev/full' ;;
	llm-pool) run sh -c 'llm-pool >/dev/full' ;;
	llm-fmt) run sh -c 'llm-fmt -S "a int" fmt.txt >/dev/full' ;;
	esac
	check "$t >/dev/full: non-zero exit ($rc)" test "$rc" -ne 0 -a "$rc" -lt 128
	is "$(nlines "$err")" 1 "$t >/dev/full: one line on stderr"
	like "$err" "^$t: .*(No space left on device|write error)" "$t >/dev/full: the message names the program and the error"
done

# ---- stdout into | head -1: a quiet end (SIGPIPE or 0), nothing on stderr
seq 1 400 >many.txt
seq 1 20000 | sed 's/.*/{"a":&}/' >fmtmany.txt
for i in $(seq 1 3000); do
	printf '{"id":"e%d","provider":"x","base_url":"%s/v1","model":"m1","key_env":"OPENAI_API_KEY"}\n' "$i" "$SIM"
done >big.pool
for t in llm-ask llm-map llm-pool llm-fmt; do
	case $t in
	llm-ask) seq 1 30000 >ask.in; run sh -c 'llm-ask --no-stream "lines:" <ask.in 2>head.err | head -1' ;;
	llm-map) run sh -c 'llm-map -j 8 . many.txt 2>head.err | head -1' ;;
	llm-pool) run sh -c 'llm-pool big.pool 2>head.err | head -1' ;;
	llm-fmt) run sh -c 'llm-fmt -S "a int" fmtmany.txt 2>head.err | head -1' ;;
	esac
	is "$(nlines "$out")" 1 "$t | head -1: one line through"
	is "$(cat head.err)" "" "$t | head -1: nothing on stderr"
done
# and the exit status is SIGPIPE's (or 0), never a crash
for t in ask map pool fmt; do
	case $t in
	ask) sh -c 'llm-ask --no-stream "lines:" <ask.in 2>/dev/null; echo $? >st.rc' | head -1 >/dev/null ;;
	map) sh -c 'llm-map -q -j 8 . many.txt 2>/dev/null; echo $? >st.rc' | head -1 >/dev/null ;;
	pool) sh -c 'llm-pool big.pool 2>/dev/null; echo $? >st.rc' | head -1 >/dev/null ;;
	fmt) sh -c 'llm-fmt -S "a int" fmtmany.txt 2>/dev/null; echo $? >st.rc' | head -1 >/dev/null ;;
	esac
	st=$(cat st.rc)
	check "llm-$t | head -1: exit $st is 141 (SIGPIPE) or 0" test "$st" = 141 -o "$st" = 0
done

# ---- the state store deleted, locked or corrupt before a run
DIR="$XDG_STATE_HOME/many-llm"
seq 1 20 >twenty.txt
want20=$(sed 's/^/echo: /' twenty.txt)
# state_run NAME: llm-map of 20 items; the run completes, every item once
state_run() {
	run llm-map -q -j 4 . twenty.txt
	is "$rc" 0 "$1: the run completes (exit 0)"
	is "$(printf '%s\n' "$out" | jq -r .text)" "$want20" "$1: every item answered once, in order"
}
llm-map -q . three.txt >/dev/null
check "a first run made the state file" test -s "$DIR/state.db"

rm -rf "$DIR"
state_run "state deleted"
is "$err" "" "state deleted: a new store, nothing to warn about"
check "state deleted: made again" test -s "$DIR/state.db"

rm -f "$DIR"/state.db*
llm-map -q . three.txt >/dev/null
printf 'this is not an SQLite database %.0s' $(seq 1 200) >"$DIR/state.db"
rm -f "$DIR/state.db-wal" "$DIR/state.db-shm"
state_run "state corrupt"
is "$(nlines "$err")" 1 "state corrupt: one line on stderr"
like "$err" '^llm-map: warning: .*corrupt' "state corrupt: a warning that says so"
run llm-map -q . three.txt
is "$rc/$err" "0/" "state corrupt: the next run is quiet"

# locked: another process holds an exclusive transaction open
rm -f lock.fifo lock.out
mkfifo lock.fifo
sqlite3 "$DIR/state.db" <lock.fifo >lock.out 2>&1 &
lockpid=$!
_pids="$_pids $lockpid"
exec 7>lock.fifo
echo 'BEGIN EXCLUSIVE; SELECT 1;' >&7
for _i in $(seq 1 100); do [ -s lock.out ] && break; sleep 0.05; done
is "$(cat lock.out)" 1 "state locked: sqlite3 holds an exclusive lock"
state_run "state locked"
is "$(nlines "$err")" 1 "state locked: one line on stderr"
like "$err" '^llm-map: warning: .*locked' "state locked: a warning that says so"
exec 7>&-
wait "$lockpid"
run llm-map -q . three.txt
is "$rc/$err" "0/" "state unlocked: the next run is quiet"

# ---- Redis killed in the middle of a run
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
	start_redis
	if [ -n "$RPORT" ]; then
		seq 1 400 >r.txt
		LLM_STATE="redis://127.0.0.1:$RPORT/0" OPENAI_API_KEY=r1+slow=20 \
			llm-map -q -j 8 . r.txt >redis.out 2>redis.err &
		mp=$!
		for _i in $(seq 1 200); do [ "$(wc -l <redis.out)" -ge 40 ] && break; sleep 0.02; done
		at=$(wc -l <redis.out)
		kill "$RPID"
		wait "$RPID" 2>/dev/null
		wait "$mp"
		rc=$?
		check "redis: killed mid-run (after $at of 400)" [ "$at" -lt 400 ]
		is "$rc" 0 "redis killed: the run completes"
		is "$(jq -r .i redis.out | sort -n | uniq | wc -l | tr -d ' ')/$(wc -l <redis.out | tr -d ' ')" 400/400 "redis killed: 400 records, each item once"
		is "$(jq -r 'select(.ok | not) | .i' redis.out)" "" "redis killed: every item answered"
		is "$(grep -c . redis.err)" 1 "redis killed: one line on stderr"
		like "$(cat redis.err)" '^llm-map: warning: redis .*(went away|memory)' "redis killed: a warning naming redis"
	else
		ok "# SKIP could not start redis-server"
	fi
else
	ok "# SKIP redis-server not installed"
fi

# ---- the simulator killed and restarted on the same port mid-run
seq 1 400 >s.txt
export OPENAI_API_KEY_1=s1+slow=10 OPENAI_API_KEY_2=s2+slow=10
unset OPENAI_API_KEY
t0=$(now_ms)
llm-map -q -j 8 -o sim.journal . s.txt >sim.out 2>sim.err &
mp=$!
for _i in $(seq 1 200); do [ -f sim.journal ] && [ "$(wc -l <sim.journal)" -ge 40 ] && break; sleep 0.02; done
at=$(wc -l <sim.journal)
stop_sim
sleep 0.5
llm-sim --port "$SIM_PORT" --log "$T/sim2.log" 2>"$T/sim2.err" &
SIM_PID=$!
_pids="$_pids $SIM_PID"
wait "$mp"
rc=$?
ms=$(($(now_ms) - t0))
check "sim restarted mid-run (after $at of 400)" [ "$at" -lt 400 ]
is "$rc" 0 "sim restarted: the run completes"
is "$(jq -r .i sim.journal | sort -n | uniq | wc -l | tr -d ' ')/$(wc -l <sim.journal | tr -d ' ')" 400/400 "sim restarted: 400 records, each item exactly once"
is "$(jq -r 'select(.ok) | .text' sim.journal | sort)" "$(sed 's/^/echo: /' s.txt | sort)" "sim restarted: every item answered with its own text"
check "sim restarted: some attempts failed over the outage" \
	test "$(jq -r 'select(.attempts | length > 1) | .i' sim.journal | wc -l)" -gt 0
# one outage of half a second must not stall the run for minutes: the
# requests in flight when it began fail together, one event, not a series
check "sim restarted: done in ${ms} ms (under 20 s)" [ "$ms" -lt 20000 ]
is "$(cat sim.err)" "" "sim restarted: -q, nothing on stderr"
unset OPENAI_API_KEY_1 OPENAI_API_KEY_2
export OPENAI_API_KEY=good1

# ---- DNS failure (https: plain http to a non-loopback host is refused
# before any connection; tests/0902)
printf '{"id":"nodns","provider":"x","base_url":"https://nonexistent.invalid/v1","model":"m1","key":"k-dns"}\n' >dns.pool
printf '{"id":"good","provider":"x","base_url":"%s/v1","model":"m1","key":"good-dns"}\n' "$SIM" >good.pool
cat dns.pool good.pool >dnsgood.pool
run llm-map -q -j 1 --strategy sequential --pool dnsgood.pool . three.txt
is "$rc" 0 "DNS failure + a good entry: exit 0"
is "$(printf '%s\n' "$out" | jq -r '[.i, .ok, .entry] | map(tostring) | join(" ")')" "0 true good
1 true good
2 true good" "DNS failure + a good entry: every item answered by the good one"
is "$(printf '%s\n' "$out" | jq -r 'select(.i == 0) | .attempts[0] | [.entry, .kind] | join(" ")')" "nodns network" "DNS failure: the first attempt is network"
# (each "alone" run with a fresh store: the failures above cool the entry,
# and a call waits for a cooling entry)
export XDG_STATE_HOME="$T/state-dns"
elapsed llm-ask --retries 2 --pool dns.pool hello
is "$rc" 69 "DNS failure alone: exit 69"
like "$err" '^llm-ask: network: .*(resolve|Could not resolve|Couldn.t resolve)' "DNS failure alone: kind network, the message names the resolution"
check "DNS failure alone: quickly (${ms} ms)" [ "$ms" -lt 20000 ]
rm -rf "$XDG_STATE_HOME"
elapsed llm-map --retries 2 --pool dns.pool . three.txt
is "$rc" 69 "DNS failure alone, llm-map: exit 69"
is "$(printf '%s\n' "$out" | jq -r .error.kind | sort -u)" network "DNS failure alone, llm-map: every record kind network"
check "DNS failure alone, llm-map: quickly (${ms} ms)" [ "$ms" -lt 20000 ]

# ---- connection refused: a loopback port nobody listens on
llm-sim --port 0 --port-file closed.port -q &
cp=$!
for _i in $(seq 1 200); do [ -s closed.port ] && break; sleep 0.02; done
CPORT=$(cat closed.port)
kill "$cp"
wait "$cp" 2>/dev/null
printf '{"id":"closed","provider":"x","base_url":"http://127.0.0.1:%s/v1","model":"m1","key":"k-closed"}\n' "$CPORT" >closed.pool
cat closed.pool good.pool >closedgood.pool
run llm-map -q -j 1 --strategy sequential --pool closedgood.pool . three.txt
is "$rc" 0 "refused + a good entry: exit 0"
is "$(printf '%s\n' "$out" | jq -r '[.ok, .entry] | map(tostring) | join(" ")' | sort -u)" "true good" "refused + a good entry: every item answered by the good one"
is "$(printf '%s\n' "$out" | jq -r 'select(.i == 0) | .attempts[0].kind')" network "refused: the first attempt is network"
export XDG_STATE_HOME="$T/state-refused"
elapsed llm-ask --retries 2 --pool closed.pool hello
is "$rc" 69 "refused alone: exit 69"
like "$err" "^llm-ask: network: .*(connect|refused)" "refused alone: kind network, the message says it could not connect"
check "refused alone: quickly (${ms} ms)" [ "$ms" -lt 5000 ]

# ---- a server that accepts and never answers: fail over within the timeout
printf '{"id":"hang","provider":"x","base_url":"%s/v1","model":"m1","key":"k+hang"}\n' "$SIM" >hang.pool
cat hang.pool good.pool >hanggood.pool
elapsed llm-ask --json --timeout 1 --strategy sequential --pool hanggood.pool hello
is "$rc" 0 "hang + a good entry: answered"
is "$(printf '%s\n' "$out" | jq -r '[.attempts[] | .entry + " " + .kind] | join(", ")')" "hang timeout, good ok" "hang: timeout, then the good entry"
hms=$(printf '%s\n' "$out" | jq -r '.attempts[0].ms')
check "hang: the attempt was given up after about the timeout (${hms} ms)" [ "$hms" -ge 900 -a "$hms" -lt 2500 ]
check "hang: failed over within about the timeout (${ms} ms in all)" [ "$ms" -lt 3000 ]
export XDG_STATE_HOME="$T/state-hang"
elapsed llm-map --timeout 1 --retries 2 --pool hang.pool . one.txt
is "$rc" 69 "hang alone, llm-map: exit 69"
is "$(printf '%s\n' "$out" | jq -r '[.error.kind, (.attempts | length)] | map(tostring) | join(" ")')" "timeout 2" "hang alone, llm-map: kind timeout after 2 attempts"
check "hang alone, llm-map: bounded by the timeouts (${ms} ms)" [ "$ms" -lt 4000 ]

done_testing

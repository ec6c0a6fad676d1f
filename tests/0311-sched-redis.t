#!/bin/sh
# Shared scheduler state through Redis: two groups of 4 llm-ask processes,
# standing in for two machines (each group its own XDG_STATE_HOME), share
# only LLM_STATE=redis://. 200 calls with a pool of a key that always
# answers 429 (Retry-After 30) and a good one: the 429 key gets at most 2
# requests in total, and every call succeeds.
. "$(dirname "$0")/lib.sh"
exec </dev/null

need_redis
ok "redis-server on port $RPORT"

start_sim
export SH_BASE_URL="$SIM/v1" SH_API_KEY_1=k1+retry=30 SH_API_KEY_2=good SH_MODELS=m1
export LLM_STATE="redis://127.0.0.1:$RPORT/0"
BAD=k1+retry=30

# group NAME FIRST LAST: calls FIRST..LAST, 4 at a time, with its own state dir
group() {
	mkdir -p "$T/$1" "$T/$1.state"
	seq "$2" "$3" | XDG_STATE_HOME="$T/$1.state" xargs -P 4 -I{} sh -c \
		'llm-ask --strategy sequential {} >"$0/{}.out" 2>"$0/{}.err"; echo $? >"$0/{}.rc"' "$T/$1"
}

t0=$(date +%s)
group machine-a 1 100 &
ga=$!
group machine-b 101 200 &
gb=$!
wait "$ga" "$gb"
t1=$(date +%s)

nrc0=$(cat "$T"/machine-a/*.rc "$T"/machine-b/*.rc | grep -c '^0$')
nright=0
for i in $(seq 1 200); do
	if [ "$i" -le 100 ]; then d=machine-a; else d=machine-b; fi
	[ "$(cat "$T/$d/$i.out")" = "echo: $i" ] && nright=$((nright + 1))
done
is "$nrc0" 200 "redis: all 200 calls exit 0"
is "$nright" 200 "redis: 200 answers, each 'echo: N'"
n=$(jq -r --arg k "$BAD" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' ')
check "redis: the 429 key got at most 2 requests in total ($n)" [ "$n" -le 2 ]
check "redis: it got at least one" [ "$n" -ge 1 ]
check "redis: under 25 s ($((t1 - t0)) s)" [ $((t1 - t0)) -lt 25 ]
diag "redis: $n request(s) to $BAD, $((t1 - t0)) s"
is "$(cat "$T"/machine-a/*.err "$T"/machine-b/*.err | grep -c .)" 0 "redis: nothing on stderr (no fallback warning)"
check "redis holds the records" sh -c "redis-cli -p $RPORT --scan --pattern 'mlm:rec:*' | grep -q 'mlm:rec:o:'"
check "no SQLite file was made (the state is in Redis)" \
	sh -c "! ls '$T'/machine-a.state/many-llm/state.db '$T'/machine-b.state/many-llm/state.db 2>/dev/null | grep -q ."

# llm-pool --status reads the same Redis state
run llm-pool --status </dev/null
is "$(printf '%s\n' "$out" | jq -r 'select(.id == "sh-1:m1") | .state')" cooling "llm-pool --status via redis: the 429 owner is cooling"
is "$(printf '%s\n' "$out" | jq -r 'select(.id == "sh-1:m1") | .kind')" rate_limited "llm-pool --status via redis: why"

# the key digests are keyed by one secret kept in Redis, shared by every machine
like "$(redis-cli -p "$RPORT" get mlm:secret)" '^[0-9a-f]{64}$' "the digest secret is kept in Redis"
oa=$(XDG_STATE_HOME="$T/machine-a.state" llm-pool --status </dev/null | jq -r 'select(.id == "sh-1:m1") | .owner')
ob=$(XDG_STATE_HOME="$T/machine-b.state" llm-pool --status </dev/null | jq -r 'select(.id == "sh-1:m1") | .owner')
like "$oa" '^sh/key#[0-9a-f]{16}$' "a key without a declared owner is its own owner ($oa)"
is "$ob" "$oa" "both machines name it alike"

redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1

done_testing

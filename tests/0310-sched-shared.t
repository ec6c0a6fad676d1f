#!/bin/sh
# Shared scheduler state: 8 llm-ask processes under xargs -P 8 make 200
# calls with a pool of a key that always answers 429 (Retry-After 30) and a
# good one. With the default SQLite state they behave as one client: the 429
# key gets at most 2 requests during its cooldown. With LLM_STATE=memory
# every process learns it alone.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
export SH_BASE_URL="$SIM/v1" SH_API_KEY_1=k1+retry=30 SH_API_KEY_2=good SH_MODELS=m1
BAD=k1+retry=30

# batch DIR [ENV=VALUE...]: 200 calls, prompts 1..200, 8 at a time
batch() {
	_d=$1; shift
	mkdir -p "$_d"
	seq 1 200 | env "$@" xargs -P 8 -I{} sh -c \
		'llm-ask --strategy sequential {} >"$0/{}.out" 2>"$0/{}.err"; echo $? >"$0/{}.rc"' "$_d"
}
# tally DIR: sets $nrc0 (calls that exited 0) and $nright (answers "echo: N")
tally() {
	nrc0=$(cat "$1"/*.rc | grep -c '^0$')
	nright=0
	for i in $(seq 1 200); do
		[ "$(cat "$1/$i.out")" = "echo: $i" ] && nright=$((nright + 1))
	done
}
bad_requests() { jq -r --arg k "$BAD" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }

t0=$(date +%s)
batch "$T/sqlite"
t1=$(date +%s)
tally "$T/sqlite"
is "$nrc0" 200 "sqlite: all 200 calls exit 0"
is "$nright" 200 "sqlite: 200 answers, each 'echo: N'"
n=$(bad_requests)
check "sqlite: the 429 key got at most 2 requests in total ($n)" [ "$n" -le 2 ]
check "sqlite: it got at least one (the test means something)" [ "$n" -ge 1 ]
is "$(jq -r --arg k "$BAD" 'select(.key == $k) | .status' "$SIM_LOG" | sort -u)" 429 "sqlite: its answers were 429s"
check "sqlite: the run took under 25 s, no one waited out the cooldown ($((t1 - t0)) s)" [ $((t1 - t0)) -lt 25 ]
diag "sqlite: $n request(s) to $BAD, $((t1 - t0)) s"
is "$(cat "$T"/sqlite/*.err | grep -c .)" 0 "sqlite: nothing on stderr"

# the contrast: per-process memory, every process learns the 429 by itself
before=$(bad_requests)
batch "$T/memory" LLM_STATE=memory
tally "$T/memory"
is "$nrc0" 200 "memory: all 200 calls exit 0"
is "$nright" 200 "memory: 200 answers"
m=$(( $(bad_requests) - before ))
diag "memory: $m request(s) to $BAD (one per process)"
check "memory: many more requests to the 429 key ($m > 2)" [ "$m" -gt 2 ]

done_testing

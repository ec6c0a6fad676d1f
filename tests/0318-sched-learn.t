#!/bin/sh
# Learned limits: a burst refused at once is one event. Sixteen requests in
# flight on a key the simulator limits to 10 a minute: the six 429s came
# from the same moment, so the owner's learned limit is cut once, not six
# times over (0.7^6 of it, down to 1).
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
cat >pool.ndjson <<EOF2
{"id":"lrn","provider":"x","base_url":"$SIM/v1","model":"m1","key":"k+rpm=10","priority":0}
{"id":"other","provider":"x","base_url":"$SIM/v1","model":"m1","key":"good-other","priority":1}
EOF2
chmod 600 pool.ndjson
seq 1 16 | llm-map --pool pool.ndjson --strategy sequential -j 16 >"$T/map.out" 2>"$T/map.err"
is "$?" 0 "llm-map of 16 items: exit 0"
is "$(jq -r 'select(.ok) | .i' "$T/map.out" | wc -l | tr -d ' ')" 16 "16 answers"
n429=$(jq -r 'select(.status == 429) | .seq' "$SIM_LOG" | wc -l | tr -d ' ')
check "the burst drew several 429s at once ($n429)" [ "$n429" -ge 3 ]
llm-pool --status pool.ndjson >"$T/status" 2>"$T/status.err"
lc=$(jq -r 'select(.id == "lrn") | .learned_conc // 0' "$T/status")
check "one cut for one burst: learned concurrency $lc >= 3, not collapsed to 1" awk -v x="$lc" 'BEGIN { exit !(x >= 3) }'
done_testing

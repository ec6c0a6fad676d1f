#!/bin/sh
# A declared concurrency is a ceiling reached, not passed: with "conc": 1,
# llm-map -j 4 never has two requests at the owner at once (the simulator,
# limiting the key to one in flight, never answers 429). And --strategy
# sequential tries entries by priority before their order in the pool.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
sim_env
hits() { jq -r --arg k "$1" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }

# ---- conc 1: one at a time
printf '{"id":"c1","provider":"x","base_url":"%s/v1","model":"m1","key":"c1+conc=1+slow=200","quota":"own-c1","conc":1}\n' "$SIM" >c1.pool
chmod 600 c1.pool
run sh -c 'seq 1 4 | llm-map --pool c1.pool -j 4 --max-wait 20s'
is "$rc" 0 "conc 1, -j 4: every item answered"
is "$(printf '%s\n' "$out" | grep -c .)" 4 "conc 1: four records"
is "$(hits c1+conc=1+slow=200)" 4 "conc 1: four requests, none refused for concurrency (no retry)"
is "$(jq -r 'select(.key == "c1+conc=1+slow=200") | .status' "$SIM_LOG" | sort -u | tr '\n' ' ')" "200 " \
	"conc 1: the simulator answered every request 200"

# ---- sequential: priority first, then pool order
cat >prio.pool <<EOF2
{"id":"late","provider":"x","base_url":"$SIM/v1","model":"m1","key":"prio-late","priority":1}
{"id":"first","provider":"x","base_url":"$SIM/v1","model":"m1","key":"prio-first","priority":0}
EOF2
chmod 600 prio.pool
run llm-ask --pool prio.pool --strategy sequential --json q1
is "$rc" 0 "sequential: answered"
is "$(printf '%s' "$out" | jq -r .entry)" first "sequential: the priority 0 entry, though listed second"
is "$(hits prio-first):$(hits prio-late)" 1:0 "sequential: only the priority 0 key was sent the request"
done_testing

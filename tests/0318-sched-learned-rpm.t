#!/bin/sh
# A per-minute limit the scheduler learned is obeyed: an owner with no
# declared rpm that answered 429 with one request in flight, after two
# requests in the minute, is not sent a third in the same minute once its
# short back-off is over (the learned limit, not the cooldown, holds it).
# Zhipu: its 1302 carries no wait hint, so the back-off is our own.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
sim_env
hits() { jq -r --arg k "$1" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }
st() { llm-pool --status "$@" </dev/null; }

printf '{"id":"lr","provider":"zhipu","base_url":"%s/api/paas/v4","model":"glm-4-flash","key":"lr+rpm=2","quota":"own-lr"}\n' "$SIM" >lr.pool
chmod 600 lr.pool
for i in 1 2 3; do llm-ask --pool lr.pool --max-wait 0 "r$i" >/dev/null 2>&1; done
is "$(hits lr+rpm=2)" 3 "three requests sent, the third answered 429"
lrn=$(st lr.pool | jq -r '.minute.learned // 0')
check "a per-minute limit is learned ($lrn)" awk "BEGIN { exit !($lrn > 0 && $lrn < 3) }"
# the back-off after one 429 is a second or two (jitter): wait it out
sleep 3
n0=$(hits lr+rpm=2)
run llm-ask --pool lr.pool --max-wait 0 r4
is "$(hits lr+rpm=2)" "$n0" "past the back-off, within the minute: the learned limit holds the fourth request back (nothing sent)"
like "$rc" '^(69|75)$' "and the call fails as not answerable now (exit $rc)"
done_testing

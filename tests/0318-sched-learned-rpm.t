#!/bin/sh
# A per-minute limit the scheduler learned is obeyed: an owner with no
# declared rpm that answered 429 with one request in flight, after two
# requests in the minute, is not sent a third in the same minute once its
# short back-off is over (the learned limit, not the cooldown, holds it).
# Zhipu: its 1302 carries no wait hint, so the back-off is our own.
# And a declared rpm counts the previous minute too (a sliding window): a
# full previous minute holds a request back just after the minute turns.
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

# ---- the previous minute counts (sliding window)
DB="$XDG_STATE_HOME/many-llm/state.db"
printf '{"id":"w","provider":"x","base_url":"%s/v1","model":"m1","key":"wk","quota":"own-w","rpm":10}\n' "$SIM" >w.pool
chmod 600 w.pool
run llm-ask --pool w.pool --max-wait 0 w1
is "$out" "echo: w1" "rpm 10: the first request answered"
# not in a minute's last seconds: the planted minute must stay the previous one
[ $(( $(date +%s) % 60 )) -ge 55 ] && sleep 6
now=$(date +%s%3N)
sqlite3 "$DB" "UPDATE rec SET win_start = $(( now - now % 60000 - 60000 )), win_count = 1000 WHERE scope = 'o:own-w';"
is "$(sqlite3 "$DB" "SELECT count(*) FROM rec WHERE scope = 'o:own-w';")" 1 "the owner's record is there to plant a full previous minute in"
n0=$(hits wk)
run llm-ask --pool w.pool --max-wait 0 w2
is "$(hits wk)" "$n0" "1000 requests the minute before, rpm 10: nothing sent now"
like "$rc" '^(69|75)$' "and the call fails as not answerable now (exit $rc)"
done_testing

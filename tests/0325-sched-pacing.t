#!/bin/sh
# The batch scheduler keeps a fleet's capacity busy without overrunning it:
# a concurrency slot freed wakes a call waiting for it (not the next 50 ms
# poll); a 429 that names concurrency teaches the owner's limit from the
# requests still in flight, with no cooldown, and the call stays on the
# entry; a declared tokens-per-minute limit is paced with no token estimate
# from the caller (the owner's average per answer); and the smart strategy
# ranks an entry never measured as fast, so its capacity is probed early.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim

sim_env
hits() { jq -r --arg k "$1" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }
n429() { jq -r --arg k "$1" 'select(.key == $k and .status == 429) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }

# ---- a freed slot wakes a waiting call: one in flight, 200 ms answers, six
# items all submitted at once (-j 6: no new call takes the slot); the time
# from one request's answer to the next request (in the simulator's log)
# adds up to a few ms, where a 50 ms poll left 25 ms on average (about
# 125 ms over the five)
k=w1+conc=1+slow=200
printf '{"id":"w1","provider":"x","base_url":"%s/v1","model":"m1","key":"%s","quota":"own-w1","conc":1}\n' "$SIM" "$k" >w.pool
chmod 600 w.pool
run sh -c 'seq 1 6 | llm-map --pool w.pool -j 6 --max-wait 20s'
is "$rc" 0 "conc 1, -j 6, six items: every item answered"
is "$(hits "$k")" 6 "six requests, none refused"
gaps=$(jq -r --arg k "$k" 'select(.key == $k) | .t' "$SIM_LOG" | sort -n |
	awk 'NR > 1 { g = $1 - p - 200; s += (g > 0 ? g : 0) } { p = $1 } END { print s + 0 }')
check "the five hand-overs took $gaps ms in all (< 40: woken by the freed slot)" [ "$gaps" -lt 40 ]

# ---- a concurrency 429 teaches the limit: a Zhipu key the simulator holds
# to 2 in flight (its 1302 names concurrency), no limit known (the catalog's
# 1 overridden by 0), llm-map -j 8 over 16 items
k=z1+conc=2+slow=300
printf '{"id":"z1","provider":"zhipu","base_url":"%s/api/paas/v4","model":"glm-4.7-flash","key":"%s","quota":"own-z1","conc":0}\n' "$SIM" "$k" >z.pool
chmod 600 z.pool
run sh -c 'seq 1 16 | llm-map --pool z.pool -j 8 --max-wait 60s'
is "$rc" 0 "learned concurrency: every item answered"
is "$(jq -r 'select(.key == "'"$k"'" and .status == 200) | .seq' "$SIM_LOG" | wc -l | tr -d ' ')" 16 \
	"sixteen answers from the one key"
llm-pool --status z.pool >"$T/zst" 2>/dev/null
lc=$(jq -r 'select(.id == "z1") | .learned_conc // 0' "$T/zst")
check "the learned limit is the 2 that went through, not the 7 in flight at the first 429 ($lc)" \
	awk -v x="$lc" 'BEGIN { exit !(x >= 1.9 && x < 3) }'
z=$(n429 "$k")
check "429s: the first burst's and a few probes as the limit grows back ($z <= 12)" [ "$z" -le 12 ]

# ---- tokens per minute paced without an estimate: 'tp' at 60 tokens a
# minute (each item is ~8), tried first; 'spare' takes the rest
k=tp1+tpm=60
cat >t.pool <<EOF2
{"id":"tp","provider":"x","base_url":"$SIM/v1","model":"m1","key":"$k","quota":"own-tp","tpm":60,"priority":0}
{"id":"spare","provider":"x","base_url":"$SIM/v1","model":"m1","key":"spare1","quota":"own-sp","priority":1}
EOF2
chmod 600 t.pool
run sh -c 'seq -f "item %05g" 1 40 | llm-map --pool t.pool --strategy sequential -j 4 --max-wait 20s'
is "$rc" 0 "tpm: every item answered"
check "tpm: the limited host answered several ($(hits "$k") requests)" [ "$(hits "$k")" -ge 3 ]
is "$(n429 "$k")" 0 "tpm: paced by the answers' average, it never drew a 429"

# ---- smart ranks an unmeasured entry as fast: 'old' answers in 300 ms and
# is measured; 'new' was never tried: the next call goes to 'new'
printf '{"id":"old","provider":"x","base_url":"%s/v1","model":"m1","key":"old1+slow=300","quota":"own-old"}\n' "$SIM" >o.pool
chmod 600 o.pool
llm-ask --pool o.pool hello >/dev/null 2>&1
cp o.pool on.pool
printf '{"id":"new","provider":"x","base_url":"%s/v1","model":"m1","key":"new1","quota":"own-new"}\n' "$SIM" >>on.pool
run llm-ask --pool on.pool --strategy smart hello
is "$rc" 0 "smart: answered"
is "$(jq -r 'select(.status == 200) | .key' "$SIM_LOG" | tail -1)" new1 \
	"smart: the untried entry was tried before the measured 300 ms one"
done_testing

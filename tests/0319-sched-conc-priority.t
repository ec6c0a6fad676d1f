#!/bin/sh
# A declared concurrency is a ceiling reached, not passed: with "conc": 1,
# llm-map -j 4 never has two requests at the owner at once (the simulator,
# limiting the key to one in flight, never answers 429). And --strategy
# sequential tries entries by priority before their order in the pool.
# A declared rpd, or a provider's per-day 429, parks the owner until its
# quota day's reset: midnight UTC, or with "reset": "pacific" midnight US
# Pacific taken as 08:00 UTC.
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

# ---- rpd reached: parked until the reset, UTC or Pacific
for r in utc:0 pacific:28800; do
	name=${r%%:*} want=${r#*:}
	printf '{"id":"d-%s","provider":"x","base_url":"%s/v1","model":"m1","key":"day-%s","quota":"own-d-%s","rpd":1,"reset":"%s"}\n' \
		"$name" "$SIM" "$name" "$name" "$name" >"d-$name.pool"
	chmod 600 "d-$name.pool"
	llm-ask --pool "d-$name.pool" --max-wait 0 one >/dev/null 2>&1
	run llm-ask --pool "d-$name.pool" --max-wait 0 two
	is "$rc:$(hits "day-$name")" 69:1 "rpd 1, reset $name: the second call is not sent (exit 69)"
	llm-pool --status "d-$name.pool" </dev/null >st.json
	is "$(jq -r '[.state, (.day.reset / 1000 % 86400), (.until / 1000 % 86400)] | map(tostring) | join(" ")' st.json)" \
		"parked $want $want" "rpd 1, reset $name: parked until $want s past midnight UTC"
	is "$(jq -r '.until - (now * 1000) > 0 and .until - (now * 1000) <= 86400000' st.json)" true \
		"rpd 1, reset $name: the reset is within a day"
	# the provider's own per-day 429 (Zhipu's 1304: no rate headers before
	# it, no wait hint in it), no rpd declared
	printf '{"id":"q-%s","provider":"zhipu","base_url":"%s/api/paas/v4","model":"glm-4-flash","key":"q-%s+rpd=1","quota":"own-q-%s","reset":"%s"}\n' \
		"$name" "$SIM" "$name" "$name" "$name" >"q-$name.pool"
	chmod 600 "q-$name.pool"
	llm-ask --pool "q-$name.pool" --max-wait 0 one >/dev/null 2>&1
	run llm-ask --pool "q-$name.pool" --max-wait 0 two
	is "$(hits "q-$name+rpd=1")" 2 "the provider's rpd 1, reset $name: its 429 seen"
	llm-pool --status "q-$name.pool" </dev/null >st.json
	is "$(jq -r '[.state, .kind, (.until / 1000 % 86400)] | map(tostring) | join(" ")' st.json)" \
		"parked quota_exhausted $want" "the provider's per-day 429, reset $name: parked until $want s past midnight UTC"
done
done_testing

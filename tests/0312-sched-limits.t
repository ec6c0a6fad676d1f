#!/bin/sh
# Declared limits: a pool line with "rpm": 30 for a key the simulator limits
# to 30 requests a minute. A burst of 40 (llm-map) and then sequential asks
# never draw a 429: requests past the limit go to another entry. With only
# the limited entry, a call past the limit waits rather than hitting it.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
LIM=k+rpm=30
cat >pool.ndjson <<EOF
{"id":"lim","provider":"x","base_url":"$SIM/v1","model":"m1","key":"$LIM","rpm":30,"priority":0}
{"id":"other","provider":"x","base_url":"$SIM/v1","model":"m1","key":"good-other","priority":1}
EOF
statuses() { jq -r --arg k "$1" 'select(.key == $k) | .status' "$SIM_LOG" | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' '; }

seq 1 40 | llm-map --pool pool.ndjson --strategy sequential -j 8 >"$T/map.out" 2>"$T/map.err"
is "$?" 0 "llm-map of 40 items: exit 0"
is "$(jq -r 'select(.ok) | .i' "$T/map.out" | wc -l | tr -d ' ')" 40 "llm-map: 40 answers"
is "$(jq -r 'select(.text != "echo: \(.i + 1)" and .text != "echo: \(.i)") | .i' "$T/map.out" | wc -l | tr -d ' ')" 0 "llm-map: each answer is its item's"
n429=$(jq -r 'select(.status == 429) | .seq' "$SIM_LOG" | wc -l | tr -d ' ')
is "$n429" 0 "no 429 from the simulator"
nlim=$(jq -r --arg k "$LIM" 'select(.key == $k and .status == 200) | .seq' "$SIM_LOG" | wc -l | tr -d ' ')
check "the limited key answered up to its limit ($nlim of 30)" [ "$nlim" -ge 20 -a "$nlim" -le 30 ]
nother=$(jq -r 'select(.key == "good-other") | .seq' "$SIM_LOG" | wc -l | tr -d ' ')
is "$((nlim + nother))" 40 "the rest went to the other entry ($nother)"
diag "limited key: $(statuses "$LIM")" "other: $(statuses good-other)"

# sequential asks after the burst: still no 429
for i in 1 2 3 4 5; do llm-ask --pool pool.ndjson --strategy sequential "after $i" >>"$T/ask.out" 2>>"$T/ask.err"; done
is "$(grep -c '^echo: after' "$T/ask.out")" 5 "5 more asks answered"
is "$(jq -r 'select(.status == 429) | .seq' "$SIM_LOG" | wc -l | tr -d ' ')" 0 "still no 429"

run llm-pool --status pool.ndjson
used=$(printf '%s\n' "$out" | jq -r 'select(.id == "lim") | .minute.used')
is "$(printf '%s\n' "$out" | jq -r 'select(.id == "lim") | .minute.limit')" 30 "--status shows the declared limit"
check "--status shows the minute's use ($used)" awk "BEGIN { exit !($used >= 20 && $used <= 31) }"

# only the limited entry: the next call waits for the window (cut short by
# timeout(1) here) rather than send a request the provider would refuse
printf '{"id":"lim","provider":"x","base_url":"%s/v1","model":"m1","key":"%s","rpm":30}\n' "$SIM" "$LIM" >only.ndjson
before=$(jq -r --arg k "$LIM" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' ')
timeout 3 llm-ask -v --pool only.ndjson "over the limit" >"$T/o.out" 2>"$T/o.err"
rc=$?
like "$(cat "$T/o.err")" 'skip lim: (at [0-9.]+ of 30 requests/minute|cooling .*x-ratelimit-remaining-requests: 0)' \
	"-v: the entry is at its limit (declared, or as the provider's headers say)"
like "$(cat "$T/o.err")" 'waiting' "the call waits for the window"
after=$(jq -r --arg k "$LIM" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' ')
is "$after" "$before" "no request was sent past the limit (rc $rc)"
is "$(jq -r 'select(.status == 429) | .seq' "$SIM_LOG" | wc -l | tr -d ' ')" 0 "no 429 at all"

done_testing

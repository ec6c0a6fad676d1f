#!/bin/sh
# The windows beyond rpm, rpd, tpm and conc: requests per hour and per
# month, tokens per day and per month, Cloudflare's daily neurons, with
# their resets. llm-sim enforces each (with the provider's own 429 body);
# a batch over a fleet where one entry has such a window sends it exactly
# what the window holds, draws no 429, and the others serve the rest;
# llm-pool --status shows the usage against each window and when it frees.
# An hour or a month cannot be waited out here: the test checks that the
# pool stops at the window and says when it frees (the arithmetic of the
# resets, on a fixed clock, is tests/unit-windows).
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
OAI_BODY='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
oai() { req "$SIM/v1/chat/completions" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$OAI_BODY"; }
gem() { req "$SIM/v1beta/models/gemini-2.5-flash:generateContent" -H "x-goog-api-key: $1" \
	-d '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}'; }
zh() { req "$SIM/api/paas/v4/chat/completions" -H "Authorization: Bearer $1" \
	-d '{"model":"glm-4.7-flash","messages":[{"role":"user","content":"hi"}]}'; }
CF_RUN=/client/v4/accounts/acct1/ai/run/@cf/meta/llama-3.1-8b-instruct
cf() { req "$SIM$CF_RUN" -H "Authorization: Bearer $1" -d '{"prompt":"ping"}'; }
# seconds to the next UTC midnight, 08:00 UTC and 1st of the month
now=$(date +%s)
to_utc=$(( (now / 86400 + 1) * 86400 - now ))
to_pac=$(( ((now - 28800) / 86400 + 1) * 86400 + 28800 - now ))
to_month=$(( $(date -u -d "$(date -u +%Y-%m-01) +1 month" +%s) - now ))
near() { [ "$1" -ge $(($2 - 15)) ] && [ "$1" -le $(($2 + 2)) ]; }

# ---- llm-sim: each window, each provider's body
oai h1+rph=2; oai h1+rph=2; c2=$code; oai h1+rph=2
is "$c2 $code $(jqb .error.code)" "200 429 rate_limit_exceeded" "sim rph 2: the third request in the hour is 429"
check "sim rph 2: retry-after is the hour ($(hdr retry-after) s)" near "$(hdr retry-after)" 3600
gem m1+rpmo=1; gem m1+rpmo=1
is "$code $(jqb '.error.details[]|select(."@type"|endswith("QuotaFailure"))|.violations[0].quotaId')" \
	"429 GenerateRequestsPerDayPerProjectPerModel-FreeTier" "sim rpmo 1: Gemini's quota 429 for the second"
d=$(jqb '.error.details[]|select(."@type"|endswith("RetryInfo"))|.retryDelay' | tr -d s)
check "sim rpmo 1: the wait is to the 1st of next month ($d of $to_month s)" near "$d" "$to_month"
# tokens: "hi" is one, its echo two: three a request
zh t1+tpd=4; c1=$code; zh t1+tpd=4
is "$c1 $code $(jqb .error.code)" "200 429 1304" "sim tpd 4: Zhipu's daily limit 1304 when the tokens would pass it"
oai t2+tpmo=4; oai t2+tpmo=4
like "$code $(jqb .error.message)" '^429 .*Rate limit reached' "sim tpmo 4: OpenAI's 429"
check "sim tpmo 4: retry-after is the month ($(hdr retry-after) s)" near "$(hdr retry-after)" "$to_month"
cf n1+npd=1; c1=$code
n=1
while [ "$code" = 200 ] && [ "$n" -lt 50 ]; do cf n1+npd=1; n=$((n + 1)); done
is "$c1 $code $(jqb '.errors[0].code')" "200 429 3036" "sim npd 1: Cloudflare's 3036 once the neurons are spent ($n requests)"
like "$(jqb '.errors[0].message')" 'daily free allocation of 10,000 neurons' "sim npd: the neurons message"
oai p1+rpd=1+pacific; oai p1+rpd=1+pacific
check "sim pacific: rpd resets at 08:00 UTC ($(hdr retry-after) of $to_pac s)" near "$(hdr retry-after)" "$to_pac"
oai p2+rpd=1; oai p2+rpd=1
check "sim: rpd resets at 00:00 UTC without it ($(hdr retry-after) of $to_utc s)" near "$(hdr retry-after)" "$to_utc"
curl -s -X POST "$SIM/_sim/reset" >/dev/null
oai h1+rph=2
is "$code" 200 "sim: /_sim/reset forgets the hour"
oai bad+rph=x
like "$code $(jqb .error.message)" "^400 .*fault 'rph' needs a number" "sim: rph=x is refused"

# ---- a batch over a fleet: the windowed entry first, another for the rest
hits() { jq -r --arg k "$1" 'select(.key == $k and .status == 200) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }
n429() { jq -r 'select(.status == 429) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }
fleet() {   # NAME KEY FIELDS: a pool of the windowed entry and an unlimited one
	printf '{"id":"%s","provider":"x","base_url":"%s/v1","model":"m1","key":"%s","priority":0,%s}\n' \
		"$1" "$SIM" "$2" "$3" >"$1.pool"
	printf '{"id":"other-%s","provider":"x","base_url":"%s/v1","model":"m1","key":"other-%s","priority":1}\n' \
		"$1" "$SIM" "$1" >>"$1.pool"
	chmod 600 "$1.pool"
}
curl -s -X POST "$SIM/_sim/reset" >/dev/null
before=$(n429)
for w in rph:4 rpmo:3; do
	k=${w%%:*} n=${w#*:}
	fleet "$k" "f-$k+$k=$n" "\"$k\":$n"
	seq -w 10 29 | llm-map --pool "$k.pool" --strategy sequential -j 4 >"$k.out" 2>"$k.err"
	is "$?:$(jq -r 'select(.ok) | .i' "$k.out" | wc -l | tr -d ' ')" 0:20 "batch, $k $n: 20 answers"
	is "$(hits "f-$k+$k=$n"):$(hits "other-$k")" "$n:$((20 - n))" "batch, $k $n: exactly $n went to it, the rest to the other"
	llm-pool --status "$k.pool" >"$k.st"
	is "$(jq -r --arg k "$k" 'select(.id == $k) | [.state, .kind, (.windows[] | select(.window == $k) | "\(.used)/\(.limit)")] | join(" ")' "$k.st")" \
		"parked quota_exhausted $n/$n" "--status, $k $n: parked, $n of $n used"
done
is "$(n429)" "$before" "batch: no 429 from the simulator"
# the hour frees an hour after its last request; the month on the 1st
left=$(jq -r 'select(.id == "rph") | .left_s | floor' rph.st)
check "--status: the hour frees within the hour ($left s)" [ "$left" -gt 3500 ] && [ "$left" -le 3600 ]
is "$(jq -r 'select(.id == "rpmo") | .windows[] | select(.window == "rpmo") | .reset / 1000 | strftime("%d %H:%M:%S")' rpmo.st)" \
	"01 00:00:00" "--status: the month resets on the 1st, 00:00 UTC"
left=$(jq -r 'select(.id == "rpmo") | .left_s | floor' rpmo.st)
check "--status: the month's wait is to then ($left s)" near "$left" "$to_month"
like "$(jq -r 'select(.id == "rph") | .why' rph.st)" '^4 of 4 requests this hour$' "--status: why, in words"

# tokens a day and neurons: charged from the answers' usage
for k in tpd tpmo; do
	fleet "$k" "f-$k+$k=60" "\"$k\":60"
	seq -w 10 29 | llm-map --pool "$k.pool" --strategy sequential -j 4 >"$k.out" 2>"$k.err"
	sent=$(jq -r --arg k "f-$k+$k=60" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' ')
	is "$(jq -r 'select(.ok) | .i' "$k.out" | wc -l | tr -d ' '):$(hits "other-$k")" "20:$((20 - sent))" \
		"batch, $k 60: 20 answers, $sent from it, the rest from the other"
	tok=$(jq -s --arg k "$k" 'map(select(.entry == $k) | .usage.in + .usage.out) | add' "$k.out")
	check "batch, $k 60: its answers hold $tok tokens, at most 60" [ "$tok" -le 60 ] && [ "$sent" -ge 2 ]
	is "$(llm-pool --status "$k.pool" | jq -r --arg k "$k" 'select(.id == $k) | .windows[] | select(.window == $k) | "\(.used)/\(.limit)"')" \
		"$tok/60" "--status, $k 60: the tokens its answers reported, against the window"
done
cat >npd.pool <<EOF
{"id":"cf","provider":"cloudflare","base_url":"$SIM/client/v4/accounts/acct1/ai/run/","model":"@cf/meta/llama-3.1-8b-instruct","key":"cf+npd=2","npd":2,"priority":0}
{"id":"other-cf","provider":"x","base_url":"$SIM/v1","model":"m1","key":"other-cf","priority":1}
EOF
chmod 600 npd.pool
seq -w 10 29 | llm-map --pool npd.pool --strategy sequential -j 4 >npd.out 2>npd.err
sent=$(jq -r 'select(.key == "cf+npd=2") | .seq' "$SIM_LOG" | wc -l | tr -d ' ')
is "$(jq -r 'select(.ok) | .i' npd.out | wc -l | tr -d ' '):$(hits other-cf)" "20:$((20 - sent))" \
	"batch, npd 2: 20 answers, $sent from Cloudflare, the rest from the other"
check "batch, npd 2: Cloudflare answered some ($sent)" [ "$sent" -ge 2 ] && [ "$sent" -lt 20 ]
is "$(n429)" "$before" "batch, tokens and neurons: no 429 from the simulator"
llm-pool --status npd.pool >npd.st
# (parked only when not even an average answer fits: llm-map's estimate of
# a request, dearer than its answers, may stop the batch a little earlier)
is "$(jq -r 'select(.id == "cf") | .windows[] | select(.window == "npd") | "\(.used)/\(.limit) \(.reset / 1000 | strftime("%H:%M"))"' npd.st)" \
	"2/2 00:00" "--status, npd: the neurons spent, against the window that resets at 00:00 UTC"

# a call with only full entries: refused at once (69), saying why
grep '"id":"rph"' rph.pool >rph-only.pool
chmod 600 rph-only.pool
run llm-ask --pool rph-only.pool --max-wait 0 one more
is "$rc" 69 "ask, hour full: exit 69"
like "$err" 'rph: 4 of 4 requests this hour, frees in [0-9]+s' "ask, hour full: says which window and when it frees"
is "$(n429)" "$before" "ask: nothing sent past the window"

# the terminal table shows the other windows
run script -qc "llm-pool --status $T/rph.pool" /dev/null
like "$out" 'windows: rph 4/4' "--status table: the hour's usage against its window"

# processes sharing the state share the window: SQLite, then Redis
for st in sqlite redis; do
	case $st in
	sqlite) export LLM_STATE="$T/shared.db" ;;
	redis) start_redis || { skip "no redis-server: the Redis store is not checked"; continue; }
		export LLM_STATE="redis://127.0.0.1:$RPORT/0" ;;
	esac
	fleet "sh-$st" "sh-$st+rph=3" '"rph":3'
	before=$(n429)
	seq 1 9 | xargs -P 4 -I{} llm-ask --pool "sh-$st.pool" --strategy sequential "q {}" >"sh-$st.out" 2>&1
	is "$(grep -c '^echo: q' "sh-$st.out"):$(hits "sh-$st+rph=3"):$(n429)" "9:3:$before" \
		"$st: 9 llm-ask processes, 4 at a time: exactly 3 to the hour's entry, no 429"
	is "$(llm-pool --status "sh-$st.pool" | jq -r 'select(.id == "sh-'$st'") | .windows[0] | "\(.window) \(.used)/\(.limit)"')" \
		"rph 3/3" "$st: the store keeps the hour's count"
	unset LLM_STATE
done

# a pool line carries the windows it declares
run llm-pool rpmo.pool
is "$(printf '%s\n' "$out" | jq -r 'select(.id == "rpmo") | .rpmo')" 3 "llm-pool: the pool line keeps \"rpmo\""
done_testing

#!/bin/sh
# What the state remembers and how it says so: a key without a declared
# owner is its own owner (a replaced key starts fresh); key digests are keyed
# with a local secret (0600); a key_cmd is never a name; a fixed base URL
# starts fresh; messages about unavailable entries name them, their reason
# and time left; llm-pool --check probes dead entries; connection refused is
# a fast failure naming host:port; --max-wait; a long wait on a terminal is
# announced. And the limits the scheduler charges or learns show in --status:
# a declared rpd, a learned per-minute limit, a learned concurrency; a due
# half-open probe goes out once while others wait.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
sim_env
DB="$XDG_STATE_HOME/many-llm/state.db"
st() { llm-pool --status "$@" </dev/null 2>/dev/null; }    # a pool file of 0644 is warned of: not the point here

# ---- a replaced key without a declared owner starts fresh
export GEMINI_API_KEY_1=old+retry=30 GEMINI_MODELS=gemini-test
run timeout 2 llm-ask one
is "$(hits old+retry=30)" 1 "the old key was rate-limited (30 s)"
like "$(st | jq -r .owner)" '^gemini/key#[0-9a-f]{16}$' "--status: the owner charged is the key, by its keyed digest"
export GEMINI_API_KEY_1=fresh
t0=$(ms)
run llm-ask two
t=$(( $(ms) - t0 ))
is "$out" "echo: two" "replaced key: answered"
check "replaced key: at once ($t ms), not after the old key's 30 s" [ "$t" -lt 3000 ]
is "$(hits fresh)" 1 "replaced key: one request"
# keyed digest: 0600 secret beside the state; another secret, another digest
is "$(stat -c %a "$DB.secret")" 600 "the secret beside the state file is 0600"
d1=$(st | jq -r .owner)
d2=$(XDG_STATE_HOME="$T/other-state" llm-pool --status </dev/null | jq -r .owner)
check "the digest depends on the local secret ($d1 vs $d2)" [ "$d1" != "$d2" ]
unset GEMINI_API_KEY_1 GEMINI_MODELS
# a key_cmd is never shown as a name
printf '{"id":"kc","provider":"x","base_url":"%s/v1","model":"m1","key_cmd":"printf kc-secret-cmd"}\n' "$SIM" >kc.pool
llm-ask --pool kc.pool hi >/dev/null 2>&1
all="$(llm-pool kc.pool </dev/null) $(st kc.pool)"
unlike "$all" '"(quota|owner)":"printf|"scope":"[a-z]:[^"]*printf' "a key_cmd is neither a quota name nor part of a scope"

# ---- a fixed base URL starts fresh; messages name the entry, reason, time left
export CLOUDFLARE_API_BASE_URL="$SIM/client/v4/accounts/acct1/" CLOUDFLARE_API_TOKEN=cft \
	CLOUDFLARE_MODELS=@cf/meta/llama-3.1-8b-instruct
run llm-ask broken
is "$rc" 69 "a base URL without /ai/run/: exit 69"
is "$(st | jq -r .state)" dead "--status: dead (not_found)"
run llm-ask again
is "$rc" 69 "still broken: exit 69"
like "$err" 'cloudflare:@cf/meta/llama-3.1-8b-instruct: dead, probe in [0-9.]+s \(not_found' "the message names the entry, its reason and time left"
like "$err" 'llm-pool --reset' "the message points at llm-pool --reset"
before=$(hits cft)
run llm-pool --check
is "$(printf '%s\n' "$out" | jq -r '.check.kind')" not_found "llm-pool --check: the dead entry is not_found"
is "$(( $(hits cft) - before ))" 1 "llm-pool --check sends the dead entry its probe"
export CLOUDFLARE_API_BASE_URL="$SIM/client/v4/accounts/acct1/ai/run/"
run llm-ask fixed
is "$out" "echo: fixed" "the fixed base URL starts fresh: answered at once"
unset CLOUDFLARE_API_BASE_URL CLOUDFLARE_API_TOKEN CLOUDFLARE_MODELS

# ---- connection refused: fast, names host:port, not waited for
stop_sim
export XR_BASE_URL="$SIM/v1" XR_API_KEY=xr XR_MODELS=m1
t0=$(ms)
run llm-ask refused
t=$(( $(ms) - t0 ))
is "$rc" 69 "connection refused: exit 69"
like "$err" "connection refused by 127\\.0\\.0\\.1:$SIM_PORT" "the message names host:port"
check "connection refused: fast ($t ms)" [ "$t" -lt 2000 ]
t0=$(ms)
run llm-ask refused-again
t=$(( $(ms) - t0 ))
check "the next call fails fast too ($t ms)" [ "$t" -lt 2000 ]
like "$err" 'xr:m1: dead, probe in .*connection refused' "and says why, naming the entry"
unset XR_BASE_URL XR_API_KEY XR_MODELS
start_sim
sim_env

# ---- --max-wait, and the status line on a terminal
printf '{"id":"w1","provider":"x","base_url":"%s/v1","model":"m1","key":"w1+retry=2","quota":"own-w1"}\n' "$SIM" >w.pool
run llm-ask --pool w.pool --max-wait 0 first
is "$rc" 69 "--max-wait 0: no wait (exit 69)"
like "$err" 'w1: cooling [0-9.]+s \(rate_limited' "--max-wait 0: the message names the cooling entry"
run llm-ask --max-wait soon x
is "$rc" 2 "--max-wait: a bad duration is a usage error"
rm -rf "$XDG_STATE_HOME"
# stderr on a terminal (script(1)'s), stdout not
script -qfec "llm-ask --pool w.pool --max-wait 3s second >/dev/null" "$T/tty.err" >/dev/null
is "$(grep -c 'waiting' "$T/tty.err")" 1 "on a terminal: one status line for the wait"
like "$(grep waiting "$T/tty.err" | tr -d '\r')" '^llm-ask: waiting [0-9.]+s for w1 \(rate_limited\)' "it says what it waits for and how long"
run llm-ask --pool w.pool --max-wait 3s piped
is "$(grep -c 'waiting' "$T/.err")" 0 "not a terminal, no -v: no status line"

# ---- a declared rpd is charged and parks the owner until its reset
cat >rpd.pool <<EOF
{"id":"r2","provider":"x","base_url":"$SIM/v1","model":"m1","key":"rpd-key","quota":"own-r2","rpd":2,"priority":0}
{"id":"rb","provider":"x","base_url":"$SIM/v1","model":"m1","key":"rpd-backup","quota":"own-rb","priority":1}
EOF
for i in 1 2 3; do llm-ask --pool rpd.pool --strategy sequential "d$i" >/dev/null 2>&1; done
is "$(hits rpd-key) $(hits rpd-backup)" "2 1" "rpd 2: two calls on the entry, the third elsewhere"
is "$(st rpd.pool | jq -r 'select(.id == "r2") | [.state, .day.used, .day.limit, .kind] | map(tostring) | join(" ")')" \
	"parked 2 2 quota_exhausted" "--status: day.used 2 of 2, parked"

# ---- a learned per-minute limit, and a learned concurrency, in --status
printf '{"id":"lr","provider":"gemini","base_url":"%s/v1beta","model":"gemini-test","key":"lr+rpm=2","quota":"own-lr"}\n' "$SIM" >lr.pool
for i in 1 2 3; do llm-ask --pool lr.pool --max-wait 0 "r$i" >/dev/null 2>&1; done
lrn=$(st lr.pool | jq -r '.minute.learned // 0')
check "a 429 with one request in flight: a per-minute limit is learned ($lrn)" awk "BEGIN { exit !($lrn > 0 && $lrn < 3) }"
is "$(st lr.pool | jq -r '.learned_conc // "none"')" none "and no concurrency limit"
printf '{"id":"lc","provider":"x","base_url":"%s/v1","model":"m1","key":"lc+conc=1+slow=300","quota":"own-lc"}\n' "$SIM" >lc.pool
seq 1 4 | llm-map --pool lc.pool -j 4 --max-wait 5s >/dev/null 2>&1
lc=$(st lc.pool | jq -r '.learned_conc // 0')
check "a 429 with others in flight: a concurrency limit is learned ($lc)" awk "BEGIN { exit !($lc >= 1 && $lc < 4) }"

# ---- a due half-open probe goes out once while others wait
printf '{"id":"dk","provider":"x","base_url":"%s/v1","model":"m1","key":"dk+invalid","quota":"own-dk"}\n' "$SIM" >dk.pool
llm-ask --pool dk.pool first >/dev/null 2>&1
is "$(st dk.pool | jq -r .state)" dead "the key is dead"
sqlite3 "$DB" "UPDATE rec SET until_ms = $(( $(now_ms) - 1000 )) WHERE dead = 1;"
before=$(hits dk+invalid)
# under a time limit: the failed probe parks the key for an hour, so a
# scheduler that probes again much sooner must fail here, not hang
run sh -c 'seq 1 4 | timeout 30 llm-map --pool dk.pool -j 4'
is "$(( $(hits dk+invalid) - before ))" 1 "llm-map -j 4 on a dead key whose probe is due: one request"
check "llm-map ends by itself once the probe failed (exit $rc; 124 is the time limit)" [ "$rc" != 124 ]

done_testing

#!/bin/sh
# The scheduler's action per error kind (design.md), seen through
# llm-pool --status after a call and through the simulator's log on a
# follow-up call; quota owners shared by keys of one Gemini project.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
# hits KEY: requests the simulator got with that key
hits() { jq -r --arg k "$1" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }
# st POOL ID FIELD: a field of an entry's --status line
st() { llm-pool --status "$1" </dev/null 2>/dev/null | jq -r --arg id "$2" "select(.id == \$id) | $3"; }
ask() { run llm-ask --strategy sequential "$@"; }

# ---- rate_limited: the owner cools for the retry time, then is tried again
printf '{"id":"rl","provider":"x","base_url":"%s/v1","model":"m1","key":"rl+retry=3","quota":"own-rl"}\n{"id":"ok1","provider":"x","base_url":"%s/v1","model":"m1","key":"good-1"}\n' "$SIM" "$SIM" >rl.pool
ask --pool rl.pool one
is "$out" "echo: one" "rate_limited: the call fails over"
is "$(st rl.pool rl .state)" cooling "rate_limited: --status cooling"
is "$(st rl.pool rl .scope)" o:own-rl "rate_limited: the quota owner cools"
is "$(st rl.pool rl .kind)" rate_limited "rate_limited: --status says why"
check "rate_limited: time left within the retry time" awk "BEGIN { exit !($(st rl.pool rl .left_s) <= 3.0) }"
n=$(hits rl+retry=3)
ask --pool rl.pool two
is "$(hits rl+retry=3)" "$n" "rate_limited: a follow-up call during the cooldown leaves it alone"
sleep 3.2
ask --pool rl.pool three
is "$(hits rl+retry=3)" $((n + 1)) "rate_limited: after the retry time it is tried again"
is "$out" "echo: three" "rate_limited: and the call still succeeds"

# ---- quota_exhausted: the owner is parked (until the daily reset)
printf '{"id":"qu","provider":"x","base_url":"%s/v1","model":"m1","key":"qu+quota","quota":"own-qu"}\n{"id":"ok2","provider":"x","base_url":"%s/v1","model":"m1","key":"good-2"}\n' "$SIM" "$SIM" >qu.pool
ask --pool qu.pool one
is "$out" "echo: one" "quota_exhausted: the call fails over"
is "$(st qu.pool qu .state)" parked "quota_exhausted: --status parked"
is "$(st qu.pool qu .scope)" o:own-qu "quota_exhausted: the owner is parked"
left=$(st qu.pool qu .left_s)
check "quota_exhausted: parked for a long time ($left s)" awk "BEGIN { exit !($left > 1800) }"
ask --pool qu.pool two
is "$(hits qu+quota)" 1 "quota_exhausted: not asked again"

# ---- no_credit: the key is parked for a long time
printf '{"id":"nc","provider":"x","base_url":"%s/v1","model":"m1","key":"nc+credit","quota":"own-nc"}\n{"id":"ok3","provider":"x","base_url":"%s/v1","model":"m1","key":"good-3"}\n' "$SIM" "$SIM" >nc.pool
ask --pool nc.pool one
is "$out" "echo: one" "no_credit: the call fails over"
is "$(st nc.pool nc '[.state, .kind] | join(" ")')" "parked no_credit" "no_credit: --status parked, why"
like "$(st nc.pool nc .scope)" '^k:' "no_credit: the key is parked"
left=$(st nc.pool nc .left_s)
check "no_credit: for hours ($left s)" awk "BEGIN { exit !($left > 3600) }"
ask --pool nc.pool two
is "$(hits nc+credit)" 1 "no_credit: not asked again"

# ---- auth: the key is dead for every model of that key
export AU_BASE_URL="$SIM/v1" AU_API_KEY_1=au+invalid AU_API_KEY_2=good-au AU_MODELS=a,b
ask -v one
is "$out" "echo: one" "auth: the call fails over"
is "$(hits au+invalid)" 1 "auth: one request to the bad key, for either model"
like "$err" 'skip au-1:b: dead' "auth: its other model's entry is skipped in the same call"
llm-pool </dev/null >au.pool
is "$(st au.pool au-1:a '[.state, .kind] | join(" ")')" "dead auth" "auth: model a dead"
is "$(st au.pool au-1:b '[.state, .kind] | join(" ")')" "dead auth" "auth: model b dead too"
is "$(st au.pool au-2:a .state)" ok "auth: the other key is fine"
ask -m b two
is "$out" "echo: two" "auth: a call for model b works"
is "$(hits au+invalid)" 1 "auth: and does not try the dead key"
unset AU_BASE_URL AU_API_KEY_1 AU_API_KEY_2 AU_MODELS

# ---- not_found: only that entry is dead
export NF_BASE_URL="$SIM/v1" NF_API_KEY=nf+model404 NF_MODELS=a,b NG_BASE_URL="$SIM/v1" NG_API_KEY=good-ng NG_MODELS=a
ask -m a one
is "$out" "echo: one" "not_found: the call fails over"
llm-pool </dev/null >nf.pool
is "$(st nf.pool nf:a '[.state, .kind] | join(" ")')" "dead not_found" "not_found: the entry is dead"
like "$(st nf.pool nf:a .scope)" '^e:' "not_found: the entry's own scope"
is "$(st nf.pool nf:b .state)" ok "not_found: the same key's other model is not"
ask -p nf -m b two
is "$(jq -r 'select(.key == "nf+model404") | .model' "$SIM_LOG" | tr '\n' ' ')" "a b " "not_found: the other model is still asked"
unset NF_BASE_URL NF_API_KEY NF_MODELS NG_BASE_URL NG_API_KEY NG_MODELS

# ---- overloaded, one owner: the entry counts a failure, the model does not
# cool (one sick key is its entry's matter); a second in a row ejects it
printf '{"id":"ov","provider":"ov","base_url":"%s/v1","model":"m1","key":"ov+overload","quota":"own-ov"}\n{"id":"ok4","provider":"y","base_url":"%s/v1","model":"m2","key":"good-4"}\n' "$SIM" "$SIM" >ov.pool
ask --pool ov.pool one
is "$out" "echo: one" "overloaded: the call goes to another provider"
is "$(st ov.pool ov '[.state, .errors] | join(" ")')" "ok 1" "overloaded once, one owner: the model does not cool"
ask --pool ov.pool two
like "$(st ov.pool ov '[.state, .scope, .kind] | join(" ")')" '^cooling e:ov#[0-9a-f]{8} overloaded$' \
	"overloaded twice in a row: the entry is ejected (its own scope)"
left=$(st ov.pool ov .left_s)
check "overloaded: ejected briefly ($left s)" awk "BEGIN { exit !($left > 0 && $left <= 10) }"

# ---- server (always 500): a failure is counted, the other entry answers
printf '{"id":"sv","provider":"x","base_url":"%s/v1","model":"m1","key":"sv+flaky=1","quota":"own-sv"}\n{"id":"ok5","provider":"x","base_url":"%s/v1","model":"m1","key":"good-5"}\n' "$SIM" "$SIM" >sv.pool
ask -v --pool sv.pool one
is "$out" "echo: one" "server: the other entry answers"
like "$err" 'attempt: sv: server \(HTTP 500\)' "server: the 500 is a server failure"
is "$(st sv.pool sv '.errors')" 1 "server: the failure is counted"

# ---- too_large: only entries with a larger window are tried
printf '{"id":"small","provider":"x","base_url":"%s/v1","model":"m1","key":"small+context=5","window":20}\n{"id":"big","provider":"x","base_url":"%s/v1","model":"m1","key":"good-big","window":100000}\n' "$SIM" "$SIM" >tl.pool
long=$(printf 'many words %.0s' $(seq 1 60))
ask -v --pool tl.pool "$long"
is "$rc" 0 "too_large: answered"
is "$(hits small+context=5)" 0 "too_large: the entry with the small window is not tried"
like "$err" 'small: window 20 <' "too_large: -v says why"
# without a declared window the provider's answer teaches it
printf '{"id":"small2","provider":"x","base_url":"%s/v1","model":"m1","key":"small2+context=5"}\n{"id":"big2","provider":"x","base_url":"%s/v1","model":"m1","key":"good-big2","window":100000}\n' "$SIM" "$SIM" >tl2.pool
ask -v --pool tl2.pool "$long"
is "$rc" 0 "too_large, window unknown: answered"
like "$err" 'attempt: small2: too_large' "too_large, window unknown: classified too_large"
is "$(st tl2.pool small2 .state)" ok "too_large: nobody is penalised"

# ---- blocked: reported as its own kind, exit 69, no other entry tried
printf '{"id":"bl","provider":"x","base_url":"%s/v1","model":"m1","key":"bl+block"}\n{"id":"ok6","provider":"x","base_url":"%s/v1","model":"m1","key":"good-6"}\n' "$SIM" "$SIM" >bl.pool
ask --pool bl.pool one
is "$rc" 69 "blocked: exit 69"
like "$err" '^llm-ask: blocked: ' "blocked: reported as blocked"
is "$(hits good-6)" 0 "blocked: no other entry tried"
is "$(st bl.pool bl .state)" ok "blocked: nobody is penalised"

# ---- invalid_request: not retried, exit 65
printf '{"id":"ir","provider":"x","base_url":"%s/v1","model":"m1","key":"ir+status=400"}\n{"id":"ok7","provider":"x","base_url":"%s/v1","model":"m1","key":"good-7"}\n' "$SIM" "$SIM" >ir.pool
ask --pool ir.pool one
is "$rc" 65 "invalid_request: exit 65"
like "$err" 'invalid_request' "invalid_request: reported"
is "$(hits ir+status=400)" 1 "invalid_request: one request"
is "$(hits good-7)" 0 "invalid_request: not retried elsewhere"
is "$(st ir.pool ir .state)" ok "invalid_request: nobody is penalised"

# ---- keys of one Gemini project share a cooldown
export GEMINI_BASE_URL="$SIM/v1beta" GEMINI_MODELS=gemini-2.5-flash \
	GEMINI_API_KEY_1=ga+retry=30 GEMINI_API_KEY_2=gb-same-project GEMINI_API_KEY_3=gc-other \
	GEMINI_PROJECT_1=proj-1 GEMINI_PROJECT_2=proj-1 GEMINI_PROJECT_3=proj-2
ask -v one
is "$out" "echo: one" "project: the call is answered"
is "$(hits gb-same-project)" 0 "project: the second key of the cooling project is not tried"
is "$(hits gc-other)" 1 "project: the other project's key answers"
llm-pool </dev/null >gm.pool
is "$(st gm.pool gemini-2:gemini-2.5-flash '[.state, .scope] | join(" ")')" "cooling o:gemini:proj-1|gemini-2.5-flash" \
	"project: --status shows the shared owner cooling for key 2 too"
unset GEMINI_BASE_URL GEMINI_MODELS GEMINI_API_KEY_1 GEMINI_API_KEY_2 GEMINI_API_KEY_3 \
	GEMINI_PROJECT_1 GEMINI_PROJECT_2 GEMINI_PROJECT_3

done_testing

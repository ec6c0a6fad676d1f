#!/bin/sh
# A fully dead pool comes back: dead keys are probed half-open once their
# probe time has passed (moved to the past in the state database here, as
# an hour is long for a test); a replaced key is a new key scope (the scope
# carries a digest of the key value) and works at once; the same key, once
# it works again, is probed and revives.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
DB="$XDG_STATE_HOME/many-llm/state.db"
hits() { jq -r --arg k "$1" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }
now_ms() { echo $(( $(date +%s) * 1000 )); }
# expire: every dead record's probe time is now past
expire() { sqlite3 "$DB" "UPDATE rec SET until_ms = $(( $(now_ms) - 1000 )) WHERE dead = 1;"; }
ndead() { sqlite3 "$DB" "SELECT count(*) FROM rec WHERE dead = 1 AND until_ms > $(now_ms);"; }

# ---- every key dead
export RV_BASE_URL="$SIM/v1" RV_API_KEY_1=rv1+invalid RV_API_KEY_2=rv2+invalid RV_MODELS=m1
run llm-ask --strategy sequential one
is "$rc" 69 "all keys invalid: exit 69"
is "$(ndead)" 2 "both keys are dead in the state database"
is "$(sqlite3 "$DB" "SELECT count(*) FROM rec WHERE dead = 1 AND scope LIKE 'k:rv/RV_API_KEY_%#%';")" 2 \
	"dead records are key scopes (name and digest, no key)"
run llm-ask -v --strategy sequential two
is "$rc" 69 "a dead pool: exit 69"
like "$err" 'skip rv-1:m1: dead, probe in' "-v: dead, with the time to the probe"
is "$(hits rv1+invalid)$(hits rv2+invalid)" 11 "a dead pool sends nothing"

# ---- probe time passed, keys still bad: one half-open probe each, dead again
expire
is "$(ndead)" 0 "probe times moved to the past"
run llm-ask -v --strategy sequential three
is "$rc" 69 "probes fail: exit 69"
is "$(hits rv1+invalid)$(hits rv2+invalid)" 22 "one probe request per dead key"
is "$(ndead)" 2 "both dead again"
left=$(llm-pool --status </dev/null | jq -r 'select(.id == "rv-1:m1") | .left_s')
check "the next probe is far off again ($left s)" awk "BEGIN { exit !($left > 600) }"

# ---- a replaced key is a new scope: it works at once
export RV_API_KEY_1=rv1-replaced
run llm-ask --json --strategy sequential four
is "$rc" 0 "replaced key: works at once, without waiting for the probe"
is "$(printf '%s' "$out" | jq -r .entry)" rv-1:m1 "replaced key: the same entry answers"
is "$(hits rv1-replaced)" 1 "replaced key: one request"
is "$(llm-pool --status </dev/null | jq -r 'select(.id == "rv-1:m1") | .state')" ok "replaced key: --status ok"
unset RV_BASE_URL RV_API_KEY_1 RV_API_KEY_2 RV_MODELS

# ---- the same key revives: it died through a broken address (the simulator
# never saw it), then the address is fixed; the key scope is the same
export SAME_KEY=same-key-value
printf '{"id":"same","provider":"sm","base_url":"%s/v1beta/models/gemini-2.5-flash:generateContent?x=","model":"m1","key_env":"SAME_KEY"}\n' "$SIM" >broken.pool
printf '{"id":"same","provider":"sm","base_url":"%s/v1","model":"m1","key_env":"SAME_KEY"}\n' "$SIM" >fixed.pool
run llm-ask --pool broken.pool five
is "$rc" 69 "same key: fails (auth) through the broken address"
scope=$(llm-pool --status fixed.pool </dev/null | jq -r .scope)
like "$scope" '^k:sm/SAME_KEY#[0-9a-f]{16}$' "same key: its key scope is dead ($scope)"
run llm-ask -v --pool fixed.pool six
is "$rc" 69 "same key: still dead before its probe time"
is "$(hits same-key-value)" 0 "same key: nothing sent"
expire
run llm-ask -v --json --pool fixed.pool seven
is "$rc" 0 "same key: after the probe time, the half-open probe answers"
is "$(printf '%s' "$out" | jq -r .text)" "echo: seven" "same key: the answer"
is "$(hits same-key-value)" 1 "same key: one probe request"
is "$(sqlite3 "$DB" "SELECT dead || ':' || until_ms FROM rec WHERE scope = '$scope';")" "0:0" "same key: the record is healed"
run llm-ask --pool fixed.pool eight
is "$out" "echo: eight" "same key: revived for good"
is "$(llm-pool --status fixed.pool </dev/null | jq -r .state)" ok "same key: --status ok"

done_testing

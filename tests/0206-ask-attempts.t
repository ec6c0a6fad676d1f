#!/bin/sh
# How many attempts one call makes, and where: --retries N is N requests in
# all; a too_large answer moves the call to a larger window only (an entry
# with the same window is not tried); an answer outside the schema is not
# asked of the same entry again once its re-asks are spent.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
sim_env
hits() { jq -r --arg k "$1" 'select(.key == $k) | .seq' "$SIM_LOG" | wc -l | tr -d ' '; }
nlog() { wc -l <"$SIM_LOG" | tr -d ' '; }

# ---- --retries N: N requests, not N + 1
export OPENAI_API_KEY_1='s1+status=500' OPENAI_API_KEY_2='s2+status=500' OPENAI_API_KEY_3='s3+status=500' OPENAI_MODELS=m1
n0=$(nlog)
run llm-ask --strategy sequential --retries 2 --max-wait 0 q
is "$(( $(nlog) - n0 ))" 2 "--retries 2, three failing keys: two requests"
check "--retries 2: the call fails (exit $rc)" [ "$rc" -ne 0 ]
n0=$(nlog)
run llm-ask --strategy sequential --retries 1 --max-wait 0 q
is "$(( $(nlog) - n0 ))" 1 "--retries 1: one request"
unset OPENAI_API_KEY_1 OPENAI_API_KEY_2 OPENAI_API_KEY_3 OPENAI_MODELS

# ---- too_large: only a larger window is tried
cat >win.pool <<EOF
{"id":"a","provider":"x","base_url":"$SIM/v1","model":"m1","key":"wa+context=1","window":4000,"priority":0}
{"id":"b","provider":"x","base_url":"$SIM/v1","model":"m1","key":"wb+context=1","window":4000,"priority":1}
{"id":"c","provider":"x","base_url":"$SIM/v1","model":"m1","key":"wc","window":8000,"priority":2}
EOF
chmod 600 win.pool
run llm-ask --pool win.pool --strategy sequential --max-wait 0 'a question of some tokens'
is "$out" "echo: a question of some tokens" "too_large on a 4000 window: answered by the 8000 one"
is "$(hits wa+context=1):$(hits wb+context=1):$(hits wc)" 1:0:1 "the other 4000 window is not tried"

# ---- an answer outside the schema: the entry is asked once, and once more
# with the errors (a re-ask), then not again
printf '{"id":"s","provider":"x","base_url":"%s/v1","model":"m1","key":"sk"}\n' "$SIM" >s.pool
chmod 600 s.pool
run llm-ask --pool s.pool --max-wait 0 --schema '{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}' q
is "$(hits sk)" 2 "one entry answering outside the schema: asked, re-asked once, not again"
done_testing

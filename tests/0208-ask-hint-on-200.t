#!/bin/sh
# A rate limit reported in a 200 answer's body (Zhipu's code 1302 inside
# "error") takes its wait from the response's Retry-After header: the owner
# cools for the 7 s the provider asked, not for our own short back-off. The
# provider is a small server on loopback that answers every request so.
. "$(dirname "$0")/lib.sh"
exec </dev/null

# the provider: every request a 200 holding Zhipu's rate-limit error, Retry-After: 7
start_stub p '
	$hdrs = "Retry-After: 7\r\n";
	$b = "{\"error\":{\"code\":\"1302\",\"message\":\"rate limited\"}}";'
PORT=$STUB_PORT
check "the provider listens ($PORT)" [ -n "$PORT" ]

printf '{"id":"h","provider":"x","base_url":"http://127.0.0.1:%s/v1","model":"m1","key":"hk","quota":"own-h"}\n' "$PORT" >h.pool
chmod 600 h.pool
run llm-ask --pool h.pool --max-wait 0 q
check "a rate limit in a 200: the call fails (exit $rc)" [ "$rc" -ne 0 ]
llm-pool --status h.pool </dev/null >st.json
is "$(jq -r .kind st.json)" rate_limited "the owner is rate limited"
left=$(jq -r .left_s st.json)
check "it cools for the Retry-After's 7 s ($left s left)" awk "BEGIN { exit !($left > 5 && $left <= 7) }"
done_testing

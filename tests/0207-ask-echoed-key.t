#!/bin/sh
# A provider that echoes the whole key in its error body (some do, in a
# 401): the key is redacted on every path, -v, --json's attempts, stderr,
# LLM_LOG and the state, though it has no known key shape. The provider here is a
# small server on loopback that answers every request 401 and quotes the
# Authorization header's key whole.
. "$(dirname "$0")/lib.sh"
exec </dev/null

# the provider: every request 401, the key of its Authorization header quoted
start_stub echo '
	my ($key) = ($h{authorization} // "") =~ /^Bearer\s+(\S+)/i;
	$status = "401 Unauthorized";
	$b = "{\"error\":{\"message\":\"Incorrect API key provided: " . ($key // "") .
		". Check it.\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}";'
PORT=$STUB_PORT
check "the echoing provider listens ($PORT)" [ -n "$PORT" ]

KEY=QQ-not-shaped-Secret-value-77zz
printf '{"id":"echo","provider":"x","base_url":"http://127.0.0.1:%s/v1","model":"m1","key":"%s"}\n' "$PORT" "$KEY" >e.pool
chmod 600 e.pool
LLM_LOG="$T/llm.log" run llm-ask --pool e.pool -v --max-wait 0 q
is "$rc" 69 "every request refused 401: exit 69"
like "$err" 'Incorrect API key provided' "the provider's message is shown"
for where in err out; do
	eval "v=\$$where"
	case $v in *"$KEY"*|*QQ-not-s*|*value-77zz*) nok "std$where: no part of the key" ;; *) ok "std$where: no part of the key" ;; esac
done
case $(cat "$T/llm.log" 2>/dev/null) in
*"$KEY"*|*QQ-not-s*|*value-77zz*) nok "LLM_LOG: no part of the key" ;;
*) ok "LLM_LOG: no part of the key" ;;
esac
check "LLM_LOG was written" [ -s "$T/llm.log" ]
DB="$XDG_STATE_HOME/many-llm/state.db"
d=$(sqlite3 "$DB" .dump 2>/dev/null)
like "$d" 'Incorrect API key provided' "the state keeps the message (why)"
case $d in *"$KEY"*|*QQ-not-s*|*value-77zz*) nok "the state: no part of the key" ;; *) ok "the state: no part of the key" ;; esac
run llm-ask --pool e.pool --json --max-wait 0 q
like "$out$err" 'Incorrect API key provided' "--json: the message is there"
case $out$err in *"$KEY"*|*QQ-not-s*|*value-77zz*) nok "--json: no part of the key" ;; *) ok "--json: no part of the key" ;; esac
done_testing

#!/bin/sh
# llm-serve with the official openai npm client (tests/node/openai-client.mjs):
# a whole answer, a stream, the model list, and errors mapped to the
# client's error classes.
. "$(dirname "$0")/lib.sh"

node_clients

start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1
export BUSY_API_KEY='b+retry=60' BUSY_BASE_URL="$SIM/v1" BUSY_MODELS=busy
export CUT_API_KEY='c+cut' CUT_BASE_URL="$SIM/v1" CUT_MODELS=cutmodel
export LLM_SERVE_TOKENS=tok1 LLM_STATE=memory
rm -f "$T/serve.port"
llm-serve --listen 127.0.0.1:0 --port-file "$T/serve.port" --strategy sequential 2>"$T/serve.err" &
_pids="$_pids $!"
for _i in $(seq 1 250); do [ -s "$T/serve.port" ] && break; sleep 0.02; done
SRV="http://127.0.0.1:$(cat "$T/serve.port")"
# the busy entry's first request makes it cool down
curl -s -H 'Authorization: Bearer tok1' -H 'Content-Type: application/json' "$SRV/v1/chat/completions" \
	-d '{"model":"busy","messages":[{"role":"user","content":"x"}]}' >/dev/null

SRV="$SRV" TOKEN=tok1 node_tap openai-client.mjs "openai client: "
for want in 'whole answer: text' 'streamed answer: text' 'bad token: AuthenticationError' \
	'every entry cooling: RateLimitError' 'broken stream: the client sees an error'; do
	grep -q "^PASS $want\$" "$T/node.out" && ok "ran: $want" || nok "ran: $want"
done

done_testing

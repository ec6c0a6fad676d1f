#!/bin/sh
# Every schema of llm-fmt's corpus (tests/fmt-corpus) that parses, sent by
# llm-ask to each provider: the adapters' dialects keep the rules llm-sim
# enforces, so the first request is always taken (no predictable 400).
. "$(dirname "$0")/lib.sh"
exec </dev/null
start_sim
sim_env
export LLM_STATE=memory
jq -r .schema "$TOP/tests/fmt-corpus/cases.ndjson" | sort -u >schemas
for p in "OPENAI_API_KEY_1=k1 OPENAI_MODELS=m1" "GEMINI_API_KEY_1=g1 GEMINI_MODELS=gx" \
	"CLOUDFLARE_API_TOKEN=c1 CLOUDFLARE_MODELS=@cf/x/y"; do
	while IFS= read -r s; do
		env $p llm-ask --retries 1 --schema "$s" 'SIM-REPLY: {}' </dev/null >/dev/null 2>&1
	done <schemas
done
for w in v1/chat v1beta/models client/v4; do
	n=$(jq -r --arg w "/$w" 'select(.path | startswith($w)) | .status' "$SIM_LOG" | wc -l | tr -d ' ')
	[ "$n" -ge 100 ] && ok "$w: $n schema requests sent" || nok "$w: only $n schema requests sent"
	bad=$(jq -c --arg w "/$w" 'select((.path | startswith($w)) and .status != 200) | {status, body}' "$SIM_LOG")
	is "$bad" "" "$w: every corpus schema taken on the first request"
done
done_testing

#!/bin/sh
# A provider's error message may quote the request. Its words never decide a
# kind that parks a key for everyone: a model name "API key not valid"
# echoed in a 404 leaves the key alive (the entry's model is not found),
# and the other model on the same key is still tried.
. "$(dirname "$0")/lib.sh"
exec </dev/null
start_sim
sim_env
M='API key not valid'

# a 404 that quotes the model name: not_found on the entry, not auth on the key
run env OPENAI_API_KEY='k1+model404' OPENAI_MODELS="$M" llm-ask -v hi
is "$rc" 69 "the echoed model: no entry could answer (69)"
like "$err" "attempt: openai:$M: not_found \(HTTP 404\)" "classified not_found, not auth"
unlike "$err" ': auth' "no auth in any line"
run env OPENAI_API_KEY='k1+model404' OPENAI_MODELS="$M" llm-pool --status
like "$out" '"scope":"e:[^"]*","kind":"not_found"' "the state parks the entry"
unlike "$out" '"scope":"k:' "the state does not park the key"

# the same key, another model: still tried (a dead key would leave nothing to try)
n=$(wc -l < "$SIM_LOG")
run env OPENAI_API_KEY='k1+model404' OPENAI_MODELS="$M,m2" llm-ask -m m2 hello
is "$(wc -l < "$SIM_LOG")" $((n + 1)) "the key is still used for another model"
is "$(tail -n 1 "$SIM_LOG" | jq -r .body.model)" m2 "sent with the same key to the other model"

# a Gemini key that is really bad is still auth (ErrorInfo reason API_KEY_INVALID)
run env GEMINI_API_KEY='g1+invalid' GEMINI_MODELS=gemini-x llm-ask -v hi
like "$err" 'attempt: gemini:gemini-x: auth \(HTTP 400\)' "a Gemini 400 with reason API_KEY_INVALID is auth"
done_testing

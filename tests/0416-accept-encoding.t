#!/bin/sh
# Compressed answers are asked for where they pay: embeddings (long vectors
# of digits) carry libcurl's Accept-Encoding; chat requests (short answers,
# streams that should reach the reader as sent) do not, which also spares
# libcurl's decoders, a twentieth of llm-map's CPU a request on loopback.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_API_KEY_1=k1 OPENAI_MODELS=m1

run llm-ask --no-stream 'hello'
is "$rc" 0 "llm-ask: exit 0"
is "$(simlast '[.path, .accept_encoding]')" '["/v1/chat/completions",null]' "a chat request: no Accept-Encoding"
run llm-ask --stream 'hello'
is "$(simlast '[.path, .stream, .accept_encoding]')" '["/v1/chat/completions",true,null]' \
	"a streamed chat request: no Accept-Encoding"
printf 'a\nb\n' | llm-map -q -j 2 . >map.out 2>map.err
is "$(jq -r '[.path, (.accept_encoding | tostring)] | join(" ")' "$SIM_LOG" | tail -2 | sort -u)" \
	"/v1/chat/completions null" "llm-map's chat requests: no Accept-Encoding"

export OPENAI_MODELS=text-embedding-3-small
printf 'a\nb\n' | llm-map -q --embed . >emb.out 2>emb.err
is "$?" 0 "llm-map --embed: exit 0"
ae=$(simlast '.accept_encoding // ""')
like "$(simlast .path) $ae" '^"/v1/embeddings" ".*gzip' "an embeddings request asks for gzip (Accept-Encoding: $ae)"
is "$(jq -r 'select(.ok) | .i' emb.out | tr '\n' ' ')" "0 1 " "the vectors arrive"
done_testing

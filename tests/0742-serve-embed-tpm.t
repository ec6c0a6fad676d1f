#!/bin/sh
# llm-serve: POST /v1/embeddings charges each upstream request its estimated
# tokens (a token for every 3 bytes, plus one, as llm-map --embed) against
# the entry's tokens per minute, so the scheduler paces it: a request that
# would overrun an entry's minute goes to another entry of the model, or
# waits; the provider never answers 429.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
pad() { awk -v n="$1" -v t="$2" 'BEGIN { s = t; while (length(s) < n) s = s "w"; print s }'; }
emb() { req -H "Content-Type: application/json" "$SRV/v1/embeddings" --data-binary @"$1"; }
# 10 inputs of 600 bytes: 2010 tokens by estimate, 1500 as llm-sim counts
for i in $(seq -w 1 10); do pad 600 "in$i "; done | jq -Rsc '{model: "text-embedding-3-small", input: split("\n")[:-1], dimensions: 2}' >ten.json
cat >"$T/pool" <<P
{"id":"e1","provider":"openai","base_url":"$SIM/v1","model":"text-embedding-3-small","key_env":"K1","tpm":3000}
{"id":"e2","provider":"openai","base_url":"$SIM/v1","model":"text-embedding-3-small","key_env":"K2"}
P
export K1='o1+tpm=3000' K2=o2 LLM_STATE=memory
start_serve --pool "$T/pool" --strategy sequential

: >"$SIM_LOG"
got=
for n in 1 2 3; do
	emb ten.json
	got="$got$code:$(hdr X-ManyLLM-Entry):$(jqb '.data | length') "
done
is "$got" "200:e1:10 200:e2:10 200:e2:10 " \
	"the first request on e1 (2010 of its 3000 a minute by estimate); the next ones on e2"
is "$(jq -r '.status' "$SIM_LOG" | tr '\n' ' ')" "200 200 200 " "three requests upstream, none answered 429"
is "$(jq -r '.body.input | length' "$SIM_LOG" | tr '\n' ' ')" "10 10 10 " "each request sent whole"
stop_serve

# one entry only: the request beyond its minute waits (here at most 1 s),
# and is answered rate_limited by llm-serve, not sent
cat >"$T/pool1" <<P
{"id":"e1","provider":"openai","base_url":"$SIM/v1","model":"text-embedding-3-small","key_env":"K1","tpm":3000}
P
start_serve --pool "$T/pool1" --max-wait 1s
: >"$SIM_LOG"
emb ten.json
is "$code:$(hdr X-ManyLLM-Entry)" "200:e1" "one entry: the first request answered"
emb ten.json
is "$code:$(jqb .error.code)" "429:rate_limit_exceeded" "one entry: the second waits for the minute, then is answered 429, as for any rate limit"
ra=$(hdr Retry-After)
check "... with Retry-After in the minute ($ra s)" [ "${ra:-0}" -ge 1 ] && [ "${ra:-0}" -le 60 ]
like "$(jqb .error.message)" '^no entry can answer now: e1: tokens/minute at limit' "... naming the entry and its tokens/minute"
is "$(jq -r '.status' "$SIM_LOG" | tr '\n' ' ')" "200 " "only the first was sent upstream"

done_testing

#!/bin/sh
# Gemini meters a batchEmbedContents call once per input against the
# per-minute limit: llm-sim counts it so, and the scheduler charges a
# pick of a Gemini entry with the batch's inputs, so that llm-map --embed
# of 200 inputs in batches of 50 on rpm=60 keys never meets a 429.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
sim_env
export LLM_STATE=memory

batch() { jq -nc --argjson n "$1" '{requests: [range($n) | {model: "models/gemini-embedding-001", content: {parts: [{text: "t\(.)"}]}}]}'; }
post() { curl -s -o /dev/null -w '%{http_code}' "$SIM/v1beta/models/gemini-embedding-001:batchEmbedContents" \
	-H "x-goog-api-key: $1" -H 'Content-Type: application/json' -d "$(batch "$2")"; }

# llm-sim: a batch of 50 is 50 of the minute's 60
is "$(post 'a+rpm=60' 50)" 200 "llm-sim: a batch of 50 on rpm=60: 200"
is "$(post 'a+rpm=60' 50)" 429 "llm-sim: a second batch of 50 in the minute: 429"
is "$(post 'a+rpm=60' 10)" 200 "llm-sim: a batch of 10 still fits: 200"
is "$(post 'b+rpm=60' 80)" 200 "llm-sim: a batch over the whole limit is taken alone in an empty minute"

# the scheduler: the catalog's rpm for the model lowered to 60, four keys
printf '%s\n' '{"provider":"gemini","model":"gemini-embedding-001","caps":["embedding"],"dims":3072,"max_batch":100,"per_model":true,"limits":[{"window":"rpm","max":60}]}' >cat.ndjson
seq 200 >in.txt
: >"$SIM_LOG"
run env LLM_CATALOG="$T/cat.ndjson" GEMINI_MODELS=gemini-embedding-001 \
	GEMINI_API_KEY_1='k1+rpm=60' GEMINI_API_KEY_2='k2+rpm=60' GEMINI_API_KEY_3='k3+rpm=60' GEMINI_API_KEY_4='k4+rpm=60' \
	llm-map -q --strategy sequential --embed --batch 50 --dimensions 2 . in.txt
is "$rc" 0 "llm-map --embed, 200 inputs in batches of 50 on four rpm=60 keys: exit 0"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok) | .i' | awk 'NR - 1 != $1 { bad = 1 } END { print NR, bad + 0 }')" "200 0" \
	"200 records in order"
is "$(jq -r 'select(.status == 429) | .key' "$SIM_LOG" | wc -l | tr -d ' ')" 0 "llm-sim answered no 429"
is "$(jq -r 'select(.status == 200) | "\(.key)=\(.body.requests | length)"' "$SIM_LOG" | sort | tr '\n' ' ')" \
	"k1+rpm=60=50 k2+rpm=60=50 k3+rpm=60=50 k4+rpm=60=50 " "one batch of 50 on each key: a second would pass 60 a minute"

# one key: the second batch waits for the minute instead of being sent
: >"$SIM_LOG"
seq 100 >two.txt
run env LLM_CATALOG="$T/cat.ndjson" GEMINI_MODELS=gemini-embedding-001 GEMINI_API_KEY='k5+rpm=60' \
	llm-map -q --max-wait 1s --embed --batch 50 --dimensions 2 . two.txt
is "$(printf '%s\n' "$out" | jq -r 'select(.ok) | .i' | wc -l | tr -d ' ')" 50 "one rpm=60 key, --max-wait 1s: the first batch of 50 is answered"
is "$(jq -r '.status' "$SIM_LOG" | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')" "200x1 " \
	"the second batch is not sent at all: no 429"
is "$rc" 1 "... and the run exits 1: some inputs failed"
done_testing

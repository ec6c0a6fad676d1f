#!/bin/sh
# llm-map --embed over a 10,000-line corpus and a fleet of faulty keys of
# one model (failing every third call, rate-limited, down in 503 bursts,
# dead after two calls, out of its day's quota, a bad key, an HTML
# gateway): every input embedded exactly once, the records whole and in
# input order, each naming its model, each vector the one llm-sim gives
# that text (asked for directly, in batches, with a clean key).
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
sim_env
export LLM_STATE=memory

awk 'BEGIN { for (i = 1; i <= 10000; i++) printf "text %d %s\n", i, substr("abcdefghij", 1 + i % 10) }' >big.txt
run env GEMINI_API_KEY_1='f1+flaky=3' GEMINI_API_KEY_2='f2+rpm=20' GEMINI_API_KEY_3='f3+burst=2' \
	GEMINI_API_KEY_4='f4+failafter=2' GEMINI_API_KEY_5='f5+rpd=3' GEMINI_API_KEY_6='f6+invalid' \
	GEMINI_API_KEY_7='f7+garbage' GEMINI_API_KEY_8=f8 GEMINI_MODELS=text-embedding-004 \
	llm-map -q -j 8 --embed --dimensions 3 . big.txt
printf '%s\n' "$out" >out.ndjson
is "$rc:$err" "0:" "a faulty fleet, 10,000 lines: exit 0, nothing on stderr"
is "$(jq -r 'select(.ok and .dims == 3) | .i' out.ndjson | awk 'NR - 1 != $1 { bad = 1 } END { print NR, bad + 0 }')" \
	"10000 0" "10,000 ok records of 3 dimensions, in input order"
is "$(jq -r .model out.ndjson | sort | uniq -c | tr -s ' ' | sed 's/^ //')" "10000 text-embedding-004" \
	"each record names its model"

# every fault was met
is "$(jq -r '.fault // empty' "$SIM_LOG" | sort -u | tr '\n' ' ')" \
	"burst failafter flaky garbage invalid rpd rpm " "the faults were met, and failed over"
# exactly once: among the answered requests, each text once, all 10,000
jq -r 'select(.status == 200 and .fault == null) | .body.requests[].content.parts[0].text' "$SIM_LOG" >sent.txt
is "$(sort sent.txt | uniq -d | head -3)" "" "no text was embedded twice"
sort big.txt >sorted.txt
is "$(sort sent.txt | cmp -s - sorted.txt && echo same)" same "every text was embedded"

is "$(jq -r 'select(.status == 200 and .fault == null) | .body.requests | length' "$SIM_LOG" | sort -u)" 100 \
	"every answered request held 100 inputs (no small batch while calls were in flight)"

# the vectors: llm-sim's own for each text, asked for with a clean key
jq -Rc '{model: "models/text-embedding-004", content: {parts: [{text: .}]}, outputDimensionality: 3}' big.txt |
	jq -sc '. as $a | range(0; length; 100) | {requests: $a[.:. + 100]}' >ref-req.ndjson
: >ref.ndjson
while IFS= read -r body; do
	printf '%s' "$body" | curl -s "$SIM/v1beta/models/text-embedding-004:batchEmbedContents" \
		-H 'x-goog-api-key: ref' -H 'Content-Type: application/json' --data-binary @- |
		jq -c '.embeddings[].values' >>ref.ndjson
done <ref-req.ndjson
is "$(wc -l <ref.ndjson | tr -d ' ')" 10000 "10,000 reference vectors"
jq -c .embedding out.ndjson >got.ndjson
is "$(paste -d '\n' got.ndjson ref.ndjson | jq -n '[inputs] | [range(0; length; 2) as $k | [.[$k], .[$k + 1]] |
	select([.[0], .[1]] | transpose | map(.[0] - .[1] | fabs) | max > 1e-6)] | length')" 0 \
	"each record's vector is llm-sim's vector for its text"
is "$(sort -u got.ndjson | wc -l | tr -d ' ')" 10000 "10,000 different vectors"

done_testing

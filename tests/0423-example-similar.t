#!/bin/sh
# examples/similar.sh against llm-sim: the query and every file embedded in
# one batch by llm-map --embed, the files ranked by cosine; a file holding
# the query's very text ranks first with similarity 1.
. "$(dirname "$0")/lib.sh"
exec </dev/null
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR" docs

start_sim
sim_env
export GEMINI_API_KEY_1=k1 GEMINI_MODELS=text-embedding-004
printf 'the cat sat on the mat' >docs/same.txt
printf 'stock prices fell today\n' >docs/market.txt
printf 'a recipe for bread\n' >docs/bread.txt
printf 'rain in the mountains\n' >docs/rain.txt

run sh "$TOP/examples/similar.sh" -n 2 -d 16 docs 'the cat sat on the mat'
is "$rc" 0 "similar.sh: exit 0"
is "$(printf '%s\n' "$out" | head -1)" "$(printf '1\tsame.txt')" "the file with the query's text first, similarity 1"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 2 "-n 2: two lines"
like "$(printf '%s\n' "$out" | sed -n 2p)" '^-?0(\.[0-9]+)?	(market|bread|rain)\.txt$' "then another file, less similar"
is "$err" "" "nothing on stderr"
is "$(jq -c '[.path, (.body.requests | length), .body.requests[0].content.parts[0].text, .body.requests[0].outputDimensionality]' "$SIM_LOG")" \
	'["/v1beta/models/text-embedding-004:batchEmbedContents",5,"the cat sat on the mat",16]' \
	"one batch of five texts, the query first, 16 dimensions"
is "$(ls "$TMPDIR")" "" "no temporary file left"
run sh "$TOP/examples/similar.sh" docs
is "$rc" 2 "no query: exit 2"
done_testing

#!/bin/sh
# llm-serve: a POST /v1/embeddings whose inputs are over the tokens one
# upstream request takes (OpenAI: 300,000 over a request's inputs) goes
# upstream in parts under that limit by llm-map's estimate (a token for
# every 3 bytes, plus one) and is answered whole, in input order.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_API_KEY=o1 OPENAI_MODELS=text-embedding-3-small LLM_SERVE_TOKENS=tok1 LLM_STATE=memory
start_serve
A='Authorization: Bearer tok1'

# 300 inputs of 4.8 kB: 359,700 tokens as llm-sim counts them
awk 'BEGIN { s = sprintf("%4790s", ""); gsub(/ /, "w", s); for (i = 1; i <= 300; i++) printf "%03d %s\n", i, s }' >long.txt
jq -Rsc '{model: "text-embedding-3-small", input: split("\n")[:-1], dimensions: 2}' long.txt >long.json
: >"$SIM_LOG"
req -H "$A" -H "Content-Type: application/json" "$SRV/v1/embeddings" --data-binary @long.json
is "$code" 200 "300 inputs over 300,000 tokens: 200, not refused"
is "$(jqb '[(.data | length), ([.data[].index] == [range(300)])] | @tsv')" "$(printf '300\ttrue')" \
	"300 embeddings, indexed 0 to 299 in order"
is "$(jq -r '[.status, (.body.input | length), .body.input[0][0:3]] | @tsv' "$SIM_LOG" | tr '\t\n' ': ')" \
	"200:187:001 200:113:188 " "upstream: parts of 187 and 113 inputs, each under 300,000 tokens, none refused"
first=$(jq -c '{model: "text-embedding-3-small", input: [.input[187]], dimensions: 2}' long.json |
	curl -s "$SIM/v1/embeddings" -H 'Authorization: Bearer o1' -d @- | jq -c '.data[0].embedding')
is "$(jqb '.data[187].embedding | @json')" "$first" "data[187] is the vector of input 187 (the second part's first)"
is "$(jqb .usage.prompt_tokens)" 359700 "usage: the tokens of both parts"

done_testing

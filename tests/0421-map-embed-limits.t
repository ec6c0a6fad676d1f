#!/bin/sh
# llm-map --embed: batches split at every provider's item limit (Zhipu 64,
# Cloudflare 100, OpenAI 2048) and OpenAI's 300,000 tokens a request, and
# rejoined in order. (Token limits: 0426; a 10,000-line corpus under a
# faulty fleet: 0427.)
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export LLM_STATE=memory

# sizes PROVIDER: the number of inputs of each request, in input order
sizes() { jq -r "select(.flavor == \"$1\") | [(.body.input // .body.text | if type == \"array\" then length else 1 end), (.body.input // .body.text | if type == \"array\" then .[0] else . end)] | @tsv" "$SIM_LOG" |
	sort -t "$(printf '\t')" -k2,2n | cut -f1 | tr '\n' ' '; }

# ---- Zhipu: 64 a request
seq 150 >z.txt
: >"$SIM_LOG"
run env ZHIPU_API_KEY=z1 ZHIPU_MODELS=embedding-3 llm-map -q --embed --dimensions 2 . z.txt
is "$rc" 0 "zhipu: exit 0"
is "$(sizes zhipu)" "64 64 22 " "zhipu: 150 inputs in requests of 64, 64, 22"
is "$(jq -r .path "$SIM_LOG" | sort -u)" "/api/paas/v4/embeddings" "zhipu: POST /api/paas/v4/embeddings"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok and .dims == 2) | .i' | tr '\n' ' ')" "$(seq -s ' ' 0 149) " "zhipu: 150 records in order"

: >"$SIM_LOG"
run env ZHIPU_API_KEY=z1 ZHIPU_MODELS=embedding-3 llm-map -q --embed --batch 40 --dimensions 2 . z.txt
is "$rc:$(sizes zhipu)" "0:40 40 40 30 " "--batch 40: requests of 40, 40, 40, 30"
: >"$SIM_LOG"
run env ZHIPU_API_KEY=z1 ZHIPU_MODELS=embedding-3 llm-map -q --embed --batch 500 --dimensions 2 . z.txt
is "$rc:$(sizes zhipu)" "0:64 64 22 " "--batch 500 does not raise Zhipu's 64"
run llm-map --batch 5 . z.txt
is "$rc" 2 "--batch without --embed: exit 2"

# ---- Cloudflare: 100 a request
seq 201 >c.txt
: >"$SIM_LOG"
run env CLOUDFLARE_API_TOKEN=c1 CLOUDFLARE_ACCOUNT_ID=acct1 CLOUDFLARE_MODELS=@cf/baai/bge-base-en-v1.5 \
	llm-map -q --embed . c.txt
is "$rc" 0 "cloudflare: exit 0"
is "$(sizes cloudflare)" "100 100 1 " "cloudflare: 201 inputs in requests of 100, 100, 1"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok and .dims == 768) | .i' | tr '\n' ' ')" "$(seq -s ' ' 0 200) " \
	"cloudflare: 201 records of 768 dimensions, in order"

# ---- OpenAI: 2048 a request
seq 2100 >o.txt
: >"$SIM_LOG"
run env OPENAI_API_KEY=o1 OPENAI_MODELS=text-embedding-3-small llm-map -q --embed --dimensions 2 . o.txt
is "$rc" 0 "openai: exit 0"
is "$(sizes openai)" "2048 52 " "openai: 2100 inputs in requests of 2048 and 52"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok) | .i' | awk 'NR - 1 != $1 { bad = 1 } END { print NR, bad + 0 }')" "2100 0" \
	"openai: 2100 records in order"

# ---- OpenAI: 300,000 tokens a request (llm-sim counts a token for 4 bytes)
awk 'BEGIN { s = sprintf("%4790s", ""); gsub(/ /, "w", s); for (i = 1; i <= 300; i++) printf "%03d %s\n", i, s }' >long.txt
: >"$SIM_LOG"
run env OPENAI_API_KEY=o1 OPENAI_MODELS=text-embedding-3-small llm-map -q --embed --dimensions 2 . long.txt
is "$rc" 0 "openai, 300 inputs of 4.8 kB (360,000 tokens): exit 0"
is "$(jq -r '[.status, (.body.input | length)] | @tsv' "$SIM_LOG" | sort -k2,2nr | tr '\t\n' ': ')" "200:187 200:113 " \
	"split under 300,000 tokens a request by a cautious guess: 187 and 113 inputs"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok) | .i' | awk 'NR - 1 != $1 { bad = 1 } END { print NR, bad + 0 }')" "300 0" \
	"openai: 300 records in order"
jq -Rsc '{model: "text-embedding-3-small", input: split("\n")[:-1]}' long.txt >long.json
curl -s "$SIM/v1/embeddings" -H 'Authorization: Bearer o1' -d @long.json >toolong.json
like "$(jq -r .error.message toolong.json)" '^Requested 359700 tokens, max 300000 tokens per request' \
	"llm-sim refuses 300 such inputs in one request"

# ---- one input too long: sent alone by its estimate (0426), the others embedded
awk 'BEGIN { s = "xxxxx"; while (length(s) < 40000) s = s s; for (i = 1; i <= 10; i++) print (i == 7 ? s : "short " i) }' >one-long.txt
: >"$SIM_LOG"
run env OPENAI_API_KEY=o1 OPENAI_MODELS=text-embedding-3-small llm-map -q --embed --dimensions 2 . one-long.txt
is "$rc" 1 "one input over 8192 tokens: exit 1 (that one failed)"
is "$(printf '%s\n' "$out" | jq -c '[.i, .ok, .error.kind]' | tr '\n' ' ')" \
	'[0,true,null] [1,true,null] [2,true,null] [3,true,null] [4,true,null] [5,true,null] [6,false,"too_large"] [7,true,null] [8,true,null] [9,true,null] ' \
	"the other nine are embedded; the long one fails too_large"
is "$(jq -r 'select(.status == 200) | .body.input[]' "$SIM_LOG" | sort -V | tr '\n' ' ')" \
	"short 1 short 2 short 3 short 4 short 5 short 6 short 8 short 9 short 10 " "each short input embedded once"
like "$(printf '%s\n' "$out" | jq -r 'select(.i == 6) | .error.message')" "maximum context length is 8192 tokens" \
	"the failed record carries the provider's words"

done_testing

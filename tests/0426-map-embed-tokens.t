#!/bin/sh
# llm-map --embed packs inputs under each model's token limits, by its
# documented estimate (a token for every 3 bytes, plus one; llm-sim counts
# one for every 4): a request's tokens under the catalog's max_batch_tokens
# (Zhipu embedding-2: 8192), a batch's tokens paced under the entry's
# tokens/minute, and an input estimated over the model's per-input limit
# sent in a request of its own, never truncated: the provider judges it;
# refused, its one record names the limit and the run exits 1.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
sim_env
export LLM_STATE=memory

# w N TEXT: TEXT padded with w to N bytes
pad() { awk -v n="$1" -v t="$2" 'BEGIN { s = t; while (length(s) < n) s = s "w"; print s }'; }

# ---- a request's tokens: Zhipu embedding-2 takes 8192 over a request's inputs
for i in $(seq -w 1 50); do pad 1200 "in$i "; done >z2.txt
: >"$SIM_LOG"
run env ZHIPU_API_KEY=z1 ZHIPU_MODELS=embedding-2 llm-map -q -j 1 --embed . z2.txt
is "$rc:$err" "0:" "zhipu embedding-2, 50 inputs of 1200 bytes: exit 0, nothing on stderr"
is "$(jq -r '[.status, (.body.input | length)] | @tsv' "$SIM_LOG" | tr '\t\n' ': ')" "200:20 200:20 200:10 " \
	"requests of 20, 20, 10 inputs (20 x 401 estimated tokens under 8192), none refused"
is "$(jq -r '.body.input[] | .[0:4]' "$SIM_LOG" | tr '\n' ' ')" "$(seq -w 1 50 | sed 's/^/in/' | tr '\n' ' ')" \
	"each input sent once, in input order"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok and .model == "embedding-2" and .dims == 1024) | .i' | tr '\n' ' ')" \
	"$(seq -s ' ' 0 49) " "50 records of embedding-2, in order"
# llm-sim holds a request to the same limit, in Zhipu's error body
jq -Rsc '{model: "embedding-2", input: split("\n")[:-1]}' z2.txt >z2.json
curl -s "$SIM/api/paas/v4/embeddings" -H 'Authorization: Bearer z1' -d @z2.json >z2.out
is "$(jq -r '.error.code' z2.out)" 1210 "llm-sim refuses 50 such inputs in one Zhipu request: code 1210"
like "$(jq -r '.error.message' z2.out)" '15000 tokens.*8192' "... naming the tokens and the limit"

# ---- an input over the per-input limit (Cloudflare bge-base: 512 tokens)
{ for i in 1 2 3 4; do echo "short $i"; done; pad 3000 "long-one "; for i in 6 7 8 9 10; do echo "short $i"; done; } >cf.txt
: >"$SIM_LOG"
run env CLOUDFLARE_API_TOKEN_1=c1 CLOUDFLARE_API_TOKEN_2=c2 CLOUDFLARE_ACCOUNT_ID=acct1 \
	CLOUDFLARE_MODELS=@cf/baai/bge-base-en-v1.5 llm-map -j 1 --embed . cf.txt
is "$rc" 1 "one input over 512 tokens: exit 1"
is "$(printf '%s\n' "$out" | jq -c '[.i, .ok, .error.kind]' | tr '\n' ' ')" \
	'[0,true,null] [1,true,null] [2,true,null] [3,true,null] [4,false,"too_large"] [5,true,null] [6,true,null] [7,true,null] [8,true,null] [9,true,null] ' \
	"ten records in order: the long one too_large, the nine others embedded"
like "$(printf '%s\n' "$out" | jq -r 'select(.i == 4) | .error.message')" \
	"^input over @cf/baai/bge-base-en-v1.5's limit of 512 tokens an input \\(about 1001 by estimate; not truncated\\): .*exceeded this model context window limit \\(512\\)" \
	"its message names the model's limit, then the provider's words"
is "$(jq -r '[.status, (.body.text | map(.[0:8]) | join(","))] | @tsv' "$SIM_LOG" | tr '\t\n' ': ')" \
	"200:short 1,short 2,short 3,short 4 413:long-one 200:short 6,short 7,short 8,short 9,short 10 " \
	"the exact requests: the long input alone (asked of one key only), the short ones around it in two batches"
like "$err" "10 done \\(9 ok, 1 failed" "stderr: nine ok, one failed"
like "$err" "^llm-map: cf.txt:5: input over @cf/baai/bge-base-en-v1.5's limit of 512 tokens an input \\(about 1001 by estimate; not truncated\\)\$" \
	"stderr: one line naming the program, the input's position and the limit"

# estimated over, but within the limit by the provider's count: embedded
{ echo "a"; pad 1800 "near "; echo "b"; } >near.txt
: >"$SIM_LOG"
run env CLOUDFLARE_API_TOKEN=c1 CLOUDFLARE_ACCOUNT_ID=acct1 CLOUDFLARE_MODELS=@cf/baai/bge-base-en-v1.5 \
	llm-map -q --embed . near.txt
is "$rc:$(printf '%s\n' "$out" | jq -r 'select(.ok) | .i' | tr '\n' ' ')" "0:0 1 2 " \
	"1800 bytes (601 by estimate, 450 by the provider): sent alone and embedded, not refused on a guess"
is "$(jq -r '.body.text | length' "$SIM_LOG" | tr '\n' ' ')" "1 1 1 " "three requests: the near one alone"

# Gemini (2048 an input) and Zhipu embedding-3 (3072): each provider's context error
{ echo "g1"; pad 9000 "gemini-long "; echo "g3"; } >g.txt
: >"$SIM_LOG"
run env GEMINI_API_KEY=g1 GEMINI_MODELS=gemini-embedding-001 llm-map -q --embed --dimensions 4 . g.txt
is "$rc" 1 "gemini, an input of 2250 tokens: exit 1"
like "$(printf '%s\n' "$out" | jq -r 'select(.i == 1) | .error.message')" \
	"limit of 2048 tokens an input .*The input token count \\(2250\\) exceeds the maximum number of tokens allowed \\(2048\\)" \
	"gemini: the record names 2048, with Gemini's INVALID_ARGUMENT words"
is "$(jq -r 'select(.status != 200) | [.status, .body.content.parts[0].text[0:11]] | @tsv' "$SIM_LOG" | sort -u | tr '\t\n' ': ')" \
	"400:gemini-long " "gemini: only the long input, alone, was refused"
{ echo "z1"; pad 13000 "zhipu-long "; } >z3.txt
: >"$SIM_LOG"
run env ZHIPU_API_KEY=z1 ZHIPU_MODELS=embedding-3 llm-map -q --embed --dimensions 4 . z3.txt
is "$rc:$(printf '%s\n' "$out" | jq -c '[.i, .ok]' | tr '\n' ' ')" "1:[0,true] [1,false] " "zhipu embedding-3, an input of 3250 tokens: exit 1, the other embedded"
like "$(printf '%s\n' "$out" | jq -r 'select(.i == 1) | .error.message')" "limit of 3072 tokens an input .*3250.*3072" \
	"zhipu: the record names 3072, with Zhipu's 1261 words"
is "$(jq -r 'select(.status != 200) | .body.input | length' "$SIM_LOG" | sort -u)" 1 "zhipu: the long input was refused alone"

# without a per-input limit in the catalog, a refused batch is halved
# until the input to blame is found: the same records
printf '%s\n' '{"provider":"cloudflare","model":"@cf/baai/bge-base-en-v1.5","caps":["embedding"],"dims":768,"max_batch":100}' >nolimit.ndjson
: >"$SIM_LOG"
run env LLM_CATALOG="$T/nolimit.ndjson" CLOUDFLARE_API_TOKEN=c1 CLOUDFLARE_ACCOUNT_ID=acct1 \
	CLOUDFLARE_MODELS=@cf/baai/bge-base-en-v1.5 llm-map -q -j 1 --embed . cf.txt
is "$rc:$(printf '%s\n' "$out" | jq -c '[.i, .ok]' | tr -d '\n')" \
	"1:[0,true][1,true][2,true][3,true][4,false][5,true][6,true][7,true][8,true][9,true]" \
	"no per-input limit known: the same ten records"
like "$(printf '%s\n' "$out" | jq -r 'select(.i == 4) | .error.message')" "^1 attempt failed: .*AiError: .*context window limit \\(512\\)" \
	"the long one's record holds the provider's words alone"
is "$(jq -r 'select(.status == 200) | .body.text[]' "$SIM_LOG" | sort -V | tr '\n' ' ')" \
	"short 1 short 2 short 3 short 4 short 6 short 7 short 8 short 9 short 10 " "each short input embedded once"

# llm-pool --catalog shows the token limits
run llm-pool --catalog
is "$(printf '%s\n' "$out" | jq -r 'select(.max_batch_tokens) | "\(.model)=\(.max_batch_tokens)"' | sort | tr '\n' ' ')" \
	"embedding-2=8192 text-embedding-3-large=300000 text-embedding-3-small=300000 " \
	"llm-pool --catalog: max_batch_tokens of the models that publish one"

# llm-sim counts an embedding request's tokens against a key's tpm
pad 500 "tpm " | jq -Rc '{requests: [{model: "models/gemini-embedding-001", content: {parts: [{text: .}]}}]}' >t125.json
tpm_code() { curl -s -o /dev/null -w '%{http_code}' "$SIM/v1beta/models/gemini-embedding-001:batchEmbedContents" \
	-H "x-goog-api-key: $1" -H 'Content-Type: application/json' -d @t125.json; }
is "$(tpm_code 'tk1+tpm=200') $(tpm_code 'tk1+tpm=200')" "200 429" "llm-sim: 125 tokens, then 125 more over tpm=200: 429"

# ---- tokens per minute: a batch is charged its estimated tokens, and waits
# when the entry's minute is full (here it may not wait: --max-wait 1s)
cat >tpm.ndjson <<'CAT'
{"provider":"gemini","model":"gemini-embedding-001","caps":["embedding"],"dims":3072,"max_batch":100,"max_input_tokens":2048,"per_model":true,"limits":[{"window":"tpm","max":3000,"reset":"rolling"}]}
CAT
for i in $(seq -w 1 30); do pad 600 "t$i "; done >tpm.txt
: >"$SIM_LOG"
run env LLM_CATALOG="$T/tpm.ndjson" GEMINI_API_KEY='g1+tpm=3000' GEMINI_MODELS=gemini-embedding-001 \
	llm-map -q -j 1 --embed --dimensions 4 --max-wait 1s . tpm.txt
is "$(jq -r '[.status, (.body.requests | length)] | @tsv' "$SIM_LOG" | tr '\t\n' ': ')" "200:14 " \
	"one request of 14 inputs (14 x 201 estimated tokens under 3000 a minute), then no more within the minute"
is "$(jq -r 'select(.status == 429)' "$SIM_LOG")" "" "the provider's tokens/minute was never overrun"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok) | .i' | tr '\n' ' ')" "$(seq -s ' ' 0 13) " "the first 14 records embedded"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok | not) | .error.kind' | sort -u)" "rate_limited" \
	"the other 16 wait for the minute (failed here, after --max-wait)"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 30 "30 records: nothing lost"

done_testing

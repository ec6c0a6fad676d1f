#!/bin/sh
# llm-map --embed: one record per input with its vector, in input order;
# inputs packed into batches at each provider's limit (Gemini 100) and
# unpacked back; the exact requests sent; failover across keys of one
# model; a pool of several models refused unless --embed-fallback names
# the others; --dimensions honoured or failed over; SIGKILL + --resume
# embeds each input exactly once; --cache.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export GEMINI_API_KEY_1=k1 GEMINI_MODELS=text-embedding-004
awk 'BEGIN { for (i = 1; i <= 250; i++) print "line " i }' >in.txt

# the simulator's vector of one text, asked of it directly (the oracle)
sim_vec() {
	curl -s "$SIM/v1beta/models/$1:embedContent" -H 'x-goog-api-key: k1' \
		-d "{\"content\":{\"parts\":[{\"text\":\"$2\"}]},\"outputDimensionality\":$3}" |
		jq -c .embedding.values
}

# ---- order, batches of 100 at Gemini's limit, vectors per input
run llm-map -q --embed --dimensions 3 . in.txt
is "$rc" 0 "--embed: exit 0"
is "$err" "" "--embed -q: nothing on stderr"
is "$(printf '%s\n' "$out" | jq -r .i | tr '\n' ' ')" "$(seq -s ' ' 0 249) " "one record per input, in input order"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok and .dims == 3 and (.embedding | length) == 3 and .model == "text-embedding-004") | .i' | wc -l | tr -d ' ')" 250 \
	"every record: ok, dims 3, a vector of 3 numbers, the model named"
is "$(printf '%s\n' "$out" | sed -n 150p | jq -c .embedding)" "$(sim_vec text-embedding-004 'line 150' 3)" \
	"record 149 holds the vector of input 150's text"
is "$(printf '%s\n' "$out" | sed -n 1p | jq -c .embedding)" "$(sim_vec text-embedding-004 'line 1' 3)" \
	"record 0 holds the vector of input 1's text"
is "$(printf '%s\n' "$out" | sed -n 250p | jq -c .embedding)" "$(sim_vec text-embedding-004 'line 250' 3)" \
	"the last record holds the vector of the last input"
is "$(printf '%s\n' "$out" | jq -c .embedding | sort -u | wc -l | tr -d ' ')" 250 "250 inputs, 250 different vectors"
is "$(printf '%s\n' "$out" | jq '[.embedding[] | . * .] | add | . * 1000 | round' | sort -u)" 1000 "unit vectors"
is "$(printf '%s\n' "$out" | jq -c .usage | uniq -c | awk '{print $1 ":" $2}' | tr '\n' ' ')" \
	'200:{"batch":100} 50:{"batch":50} ' "usage names the batch of each record: 100 for the first 200, 50 for the rest"
reqs=$(jq -c 'select(.path | test("Embed")) | [.path, (.body.requests | length), .body.requests[0].content.parts[0].text, .body.requests[-1].content.parts[0].text]' "$SIM_LOG" | sort)
is "$reqs" '["/v1beta/models/text-embedding-004:batchEmbedContents",100,"line 1","line 100"]
["/v1beta/models/text-embedding-004:batchEmbedContents",100,"line 101","line 200"]
["/v1beta/models/text-embedding-004:batchEmbedContents",50,"line 201","line 250"]' \
	"three requests to :batchEmbedContents: 100, 100 and 50 inputs, in order"
is "$(jq -c 'select(.body.requests[0].content.parts[0].text == "line 1") | .body.requests[1]' "$SIM_LOG")" \
	'{"model":"models/text-embedding-004","content":{"parts":[{"text":"line 2"}]},"outputDimensionality":3}' \
	"each batch item: the model, the text as a part, outputDimensionality"
is "$(jq -r '.auth + " " + .key' "$SIM_LOG" | sort -u)" "x-goog-api-key k1" "the key in x-goog-api-key"

# ---- one input: :embedContent; a template object with "text"
: >"$SIM_LOG"
run llm-map -q --embed '{text: ("say " + .t)}' <<'EOF2'
{"t":"hi"}
EOF2
is "$rc" 0 "one input: exit 0"
is "$(jq -c '[.path, .body]' "$SIM_LOG")" \
	'["/v1beta/models/text-embedding-004:embedContent",{"content":{"parts":[{"text":"say hi"}]}}]' \
	"one input goes to :embedContent, the template's text, no dimensions asked"
is "$(printf '%s\n' "$out" | jq .dims)" 768 "without --dimensions: the model's own (768)"

# ---- OpenAI-compatible /embeddings
: >"$SIM_LOG"
run env -u GEMINI_API_KEY_1 OPENAI_API_KEY=o1 OPENAI_MODELS=text-embedding-3-small \
	llm-map -q --embed --dimensions 4 . <<'EOF2'
alpha
beta
EOF2
is "$rc" 0 "openai: exit 0"
is "$(jq -c '[.path, .auth, .body]' "$SIM_LOG")" \
	'["/v1/embeddings","bearer",{"model":"text-embedding-3-small","input":["alpha","beta"],"dimensions":4}]' \
	"openai: one POST /embeddings with the model, the inputs as an array, dimensions"
is "$(printf '%s\n' "$out" | jq -c '[.i, .dims, .provider, .usage]' | tr '\n' ' ')" \
	'[0,4,"openai",{"batch":2,"batch_in":3}] [1,4,"openai",{"batch":2,"batch_in":3}] ' \
	"openai: records in order, 4 dimensions, the batch's input tokens"

# ---- Cloudflare bge: {"text":[...]}, fixed dimensions
: >"$SIM_LOG"
cf() { env -u GEMINI_API_KEY_1 CLOUDFLARE_API_TOKEN=c1 CLOUDFLARE_ACCOUNT_ID=acct1 \
	CLOUDFLARE_MODELS=@cf/baai/bge-small-en-v1.5 "$@"; }
run cf llm-map -q --embed . <<'EOF2'
one
two
EOF2
is "$rc" 0 "cloudflare: exit 0"
is "$(jq -c '[.path, .body]' "$SIM_LOG")" \
	'["/client/v4/accounts/acct1/ai/run/@cf/baai/bge-small-en-v1.5",{"text":["one","two"]}]' \
	"cloudflare: POST .../ai/run/MODEL with {\"text\": [...]}"
is "$(printf '%s\n' "$out" | jq -c '[.i, .dims]' | tr '\n' ' ')" '[0,384] [1,384] ' "cloudflare: 384 dimensions, in order"
run cf llm-map -q --embed --dimensions 8 --retries 2 . <<'EOF2'
one
EOF2
is "$rc" 69 "cloudflare --dimensions 8 (fixed at 384): exit 69"
like "$(printf '%s\n' "$out" | jq -r '.error.kind + ": " + .error.message')" \
	'^unsupported: .*the model gives 384 dimensions, not the 8 asked for' "the record says why"

# ---- failover across keys of one model
: >"$SIM_LOG"
run env GEMINI_API_KEY_1='bad+invalid' GEMINI_API_KEY_2=k2 \
	llm-map -q --embed --strategy sequential --dimensions 2 . <<'EOF2'
a
b
EOF2
is "$rc" 0 "a dead key: exit 0"
is "$(printf '%s\n' "$out" | jq -c '[.i, .entry, [.attempts[].kind]]' | tr '\n' ' ')" \
	'[0,"gemini-2:text-embedding-004",["auth","ok"]] [1,"gemini-2:text-embedding-004",["auth","ok"]] ' \
	"the batch failed over to the model's other key; each record names the entry"
is "$(jq -c '[.key, .status, [.body.requests[].content.parts[0].text]]' "$SIM_LOG" | tr '\n' ' ')" \
	'["bad+invalid",400,["a","b"]] ["k2",200,["a","b"]] ' "the same batch sent to each key"

# ---- several models: refused, unless named as fallbacks
: >"$SIM_LOG"
export GEMINI_MODELS=text-embedding-004,gemini-embedding-001
run llm-map -q --embed . in.txt
is "$rc" 2 "a pool of two embedding models: exit 2"
like "$err" '^llm-map: --embed: the pool.s entries are of 2 models \(text-embedding-004, gemini-embedding-001\); vectors of different models do not mix' \
	"the refusal names the models"
is "$(wc -l <"$SIM_LOG" | tr -d ' ')" 0 "nothing sent"
run llm-map -q --embed -m gemini-embedding-001 --dimensions 2 . <<'EOF2'
x
EOF2
is "$(printf '%s\n' "$out" | jq -r .model)" gemini-embedding-001 "-m chooses one of them"
run llm-map -q --embed -m text-embedding-004 --embed-fallback no-such-model . in.txt
is "$rc" 78 "--embed-fallback of a model no entry has: exit 78"
like "$err" '^llm-map: --embed-fallback no-such-model: no pool entry has this model' "... and says so"
# the model's only key is dead: batches go to the fallback model
: >"$SIM_LOG"
run env -u GEMINI_API_KEY_1 GEMINI_MODELS=text-embedding-004 GEMINI_API_KEY_1='dead+invalid' \
	OPENAI_API_KEY=o1 OPENAI_MODELS=text-embedding-3-small \
	llm-map -q --embed -m text-embedding-004 --embed-fallback text-embedding-3-small --dimensions 2 . <<'EOF2'
p
q
EOF2
is "$rc" 0 "the fallback answered: exit 0"
is "$(printf '%s\n' "$out" | jq -c '[.i, .model, .provider]' | tr '\n' ' ')" \
	'[0,"text-embedding-3-small","openai"] [1,"text-embedding-3-small","openai"] ' "each record names the fallback model that made it"
is "$(jq -r .path "$SIM_LOG" | tr '\n' ' ')" \
	'/v1beta/models/text-embedding-004:batchEmbedContents /v1/embeddings ' "the model first, then the fallback, with the whole batch"
export GEMINI_MODELS=text-embedding-004

# ---- usage errors
run llm-map --dimensions 3 . in.txt
is "$rc" 2 "--dimensions without --embed: exit 2"
like "$err" '^llm-map: --dimensions goes with --embed' "... says so"
run llm-map --embed --schema '{"a":"int"}' . in.txt
is "$rc" 2 "--embed with --schema: exit 2"
like "$err" '^llm-map: --embed does not go with --schema' "... says so"
run llm-map -q --embed '.x' <<'EOF2'
{"x":[1]}
{"x":"ok"}
EOF2
is "$rc" 1 "a template yielding an array: exit 1 (that item failed)"
like "$err" 'template: --embed needs a string, or an object with "text"' "the failed input is named with the reason"
is "$(printf '%s\n' "$out" | jq -c '[.i, .ok]' | tr '\n' ' ')" '[0,false] [1,true] ' "the other input is embedded"

# ---- the simulator's limits and errors
curl -s "$SIM/v1beta/models/text-embedding-004:batchEmbedContents" -H 'x-goog-api-key: k1' \
	-d "$(jq -nc '{requests: [range(101) | {content: {parts: [{text: "t\(.)"}]}}]}')" >big.json
like "$(jq -r '.error.status + ": " + .error.message' big.json)" '^INVALID_ARGUMENT: .*at most 100 requests can be in one batch' \
	"llm-sim: 101 items to Gemini's batch are refused"

# ---- --cache: the same inputs again are answered from the cache
: >"$SIM_LOG"
run llm-map -q --cache --embed --dimensions 3 . in.txt
is "$rc" 0 "--cache first run: exit 0"
first=$out
run llm-map -q --cache --embed --dimensions 3 . in.txt
is "$(wc -l <"$SIM_LOG" | tr -d ' ')" 3 "--cache: the second run sends nothing"
is "$(printf '%s\n' "$out" | jq -c .embedding)" "$(printf '%s\n' "$first" | jq -c .embedding)" "--cache: the same vectors, in order"
is "$(printf '%s\n' "$out" | jq -r .cached | sort -u)" true "--cache: records say cached"

# ---- --to f32: float32 rows in input order, NaN rows for failures
run llm-map -q --embed --dimensions 3 --to f32 -o f32.ndjson '.t' <<'EOF2'
{"t":"line 1"}
{"t":[2]}
{"t":"line 3"}
EOF2
is "$rc" 1 "--to f32 with a failed input: exit 1"
llm-map -q --embed --dimensions 3 --to f32 -o f32b.ndjson '.t' >rows.f32 2>/dev/null <<'EOF2'
{"t":"line 1"}
{"t":[2]}
{"t":"line 3"}
EOF2
is "$(wc -c <rows.f32 | tr -d ' ')" 36 "three rows of 3 float32: 36 bytes"
rows=$(od -An -tf4 -v rows.f32 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
f() { printf '%s\n' $1 | awk '{printf "%.5f ", $1}'; }
want1=$(sim_vec text-embedding-004 'line 1' 3 | jq -r 'map(tostring) | join(" ")')
want3=$(sim_vec text-embedding-004 'line 3' 3 | jq -r 'map(tostring) | join(" ")')
is "$(f "$(echo $rows | cut -d' ' -f1-3)")" "$(f "$want1")" "row 0: the vector of input 1"
is "$(echo $rows | cut -d' ' -f4-6)" "nan nan nan" "row 1: NaNs for the failed input"
is "$(f "$(echo $rows | cut -d' ' -f7-9)")" "$(f "$want3")" "row 2: the vector of input 3"
is "$(jq -c '[.i, .ok]' f32b.ndjson | sort | tr '\n' ' ')" '[0,true] [1,false] [2,true] ' "the records are in the journal"
run llm-map --embed --to f32 . in.txt
is "$rc" 2 "--to f32 without --dimensions and -o: exit 2"
like "$err" '^llm-map: --to f32 goes with --embed, --dimensions N and -o FILE' "... says what it needs"

# ---- SIGKILL, then --resume: each input embedded exactly once
stop_sim
start_sim
sim_env
export GEMINI_API_KEY_1='s+slow=300'
awk 'BEGIN { for (i = 1; i <= 1000; i++) print "doc " i }' >big.txt
llm-map -q -j 2 --embed --dimensions 2 -o out.ndjson . big.txt >run.out 2>run.err &
pid=$!
sleep 1
kill -KILL $pid
wait $pid 2>/dev/null
sleep 0.4        # the simulator logs what was in flight
jq -r 'select(.ok) | .i' out.ndjson 2>/dev/null | sort >ok.1
n1=$(wc -l <ok.1 | tr -d ' ')
check "the kill left work to do ($n1 of 1000 had records)" test "$n1" -gt 0 -a "$n1" -lt 1000
mark=$(wc -l <"$SIM_LOG" | tr -d ' ')
run llm-map -q -j 2 --embed --dimensions 2 -o out.ndjson --resume . big.txt
is "$rc" 0 "--resume: exit 0"
is "$(jq -r .i out.ndjson | sort -n | uniq | wc -l | tr -d ' ')" 1000 "the journal: every input"
is "$(wc -l <out.ndjson | tr -d ' ')" 1000 "the journal: one record each"
is "$(jq -r 'select(.ok | not) | .i' out.ndjson)" "" "every record ok"
sent=$(tail -n +"$((mark + 1))" "$SIM_LOG" | jq -r '.body.requests[].content.parts[0].text')
is "$(printf '%s\n' "$sent" | grep -c .)" "$((1000 - n1))" "the resumed run sent exactly the inputs without a record"
again=$(printf '%s\n' "$sent" | sed 's/^doc //' | awk '{print $1 - 1}' | sort | comm -12 - ok.1 | wc -l | tr -d ' ')
is "$again" 0 "no input with a record at the kill was embedded again"
is "$(jq -c 'select(.i == 499) | .embedding' out.ndjson)" "$(sim_vec text-embedding-004 'doc 500' 2)" \
	"a resumed record holds its input's vector"

# ---- SIGINT: the batch in flight finishes, exit 130, --resume does the rest
export GEMINI_API_KEY_1='s+slow=600'
head -300 big.txt >mid.txt
llm-map -q -j 1 --embed --dimensions 2 -o int.ndjson . mid.txt >/dev/null 2>int.err &
pid=$!
sleep 0.9
kill -INT $pid
wait $pid
is "$?" 130 "SIGINT: exit 130"
n=$(wc -l <int.ndjson | tr -d ' ')
check "SIGINT: the batch in flight was written whole ($n records, a multiple of 100)" test "$n" -ge 100 -a "$((n % 100))" = 0
is "$(jq -r 'select(.ok | not) | .i' int.ndjson)" "" "SIGINT: no failed record for what was cut"
run llm-map -q --embed --dimensions 2 -o int.ndjson --resume . mid.txt
is "$rc" 0 "SIGINT then --resume: exit 0"
is "$(jq -r .i int.ndjson | sort -n | uniq | wc -l | tr -d ' ')-$(wc -l <int.ndjson | tr -d ' ')" "300-300" "every input once"

done_testing

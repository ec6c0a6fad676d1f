#!/bin/sh
# The catalog's embedding models: "embedding" in caps with dims, max_batch
# and max_input_tokens, shown by llm-pool --catalog; llm-map --embed packs
# its batches to the catalog's max_batch (a line of one's own lowers it).
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
sim_env
export LLM_STATE=memory

run llm-pool --catalog
is "$rc:$err" "0:" "llm-pool --catalog: exit 0, no warning"
is "$(printf '%s\n' "$out" | jq -r 'select(.model == "gemini-embedding-001") | [(.caps | join(",")), .dims, .max_batch, .max_input_tokens] | @tsv')" \
	"$(printf 'embedding\t3072\t100\t2048')" "gemini-embedding-001: embedding, 3072 dims, 100 a batch, 2048 tokens an input"
is "$(printf '%s\n' "$out" | jq -r 'select(.provider == "cloudflare" and (.caps | index("embedding"))) | "\(.model)=\(.dims)"' | sort | tr '\n' ' ')" \
	"@cf/baai/bge-base-en-v1.5=768 @cf/baai/bge-large-en-v1.5=1024 @cf/baai/bge-m3=1024 @cf/baai/bge-small-en-v1.5=384 " \
	"cloudflare: the four bge models with their dimensions"
is "$(printf '%s\n' "$out" | jq -r 'select(.provider == "zhipu" and (.caps | index("embedding"))) | "\(.model)=\(.dims)/\(.max_batch // "-")"' | sort | tr '\n' ' ')" \
	"embedding-2=1024/- embedding-3=2048/64 " "zhipu: embedding-2 (no item limit published) and embedding-3 (64)"

# a catalog line of one's own sets the batch size llm-map packs to
printf '%s\n' '{"provider":"zhipu","model":"embedding-3","caps":["embedding"],"dims":2048,"max_batch":7}' >cat.ndjson
seq 20 >in.txt
: >"$SIM_LOG"
run env LLM_CATALOG="$T/cat.ndjson" ZHIPU_API_KEY=z1 ZHIPU_MODELS=embedding-3 llm-map -q --embed --dimensions 2 . in.txt
is "$rc:$err" "0:" "max_batch 7 from the catalog: exit 0"
is "$(jq -r '.body.input | length' "$SIM_LOG" | sort -nr | tr '\n' ' ')" "7 7 6 " "20 inputs in requests of 7, 7, 6"
is "$(printf '%s\n' "$out" | jq -r 'select(.ok) | .i' | tr '\n' ' ')" "$(seq -s ' ' 0 19) " "20 records in order"

# a wrong type is refused with a warning naming the line
printf '%s\n' '{"provider":"zhipu","model":"embedding-3","caps":["embedding"],"max_batch":"seven"}' >bad.ndjson
run env LLM_CATALOG="$T/bad.ndjson" llm-pool --catalog
like "$err" "bad.ndjson:1: a field has the wrong type" "max_batch as a string: a warning naming the line"
# a provider's default models are its chat models: the catalog's embedding
# models join the pool only when NAME_MODELS names them
run env OPENAI_API_KEY_1=k1 llm-pool
is "$rc" 0 "the default pool builds"
is "$(printf '%s\n' "$out" | jq -r .model | sort -u | tr '\n' ' ')" "gpt-4o-mini " \
	"the default pool holds the chat model only, no embedding model"
run env OPENAI_API_KEY_1=k1 OPENAI_MODELS=gpt-4o-mini,text-embedding-3-small llm-pool
is "$(printf '%s\n' "$out" | jq -r .model | tr '\n' ' ')" "gpt-4o-mini text-embedding-3-small " \
	"an embedding model named in OPENAI_MODELS joins the pool"
done_testing

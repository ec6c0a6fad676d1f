#!/bin/sh
# bench/embed.sh DIR SIM_URL — make bench's embedding rows (markdown table
# rows on standard output, progress on standard error), run by bench/run.sh
# against its llm-sim:
#   - embeddings per second of llm-map --embed packing inputs into requests
#     (up to the model's max_batch) against one input a request (--batch 1),
#     on the same key, concurrency and limits (Zhipu's embedding-3 as the
#     catalog has it: 64 inputs a request; llm-sim's key at 3000 requests a
#     minute, which neither run reaches);
#   - peak RSS of llm-map --embed over 10k and BENCH_BIG lines (from the
#     kernel's getrusage of the finished process, by /usr/bin/time).
#   BENCH_EMBED_N  inputs per throughput run (default 2000)
set -u
d=$1 SIM=$2
EN=${BENCH_EMBED_N:-2000}
BIG=${BENCH_BIG:-1000000}
say() { printf '%s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
row() { printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5"; }

export LLM_STATE=memory ZHIPU_BASE_URL="$SIM/api/paas/v4" ZHIPU_MODELS=embedding-3 \
	OPENAI_BASE_URL="$SIM/v1"
unset OPENAI_API_KEY OPENAI_API_KEY_1 OPENAI_MODELS

seq "$EN" | awk '{ printf "sentence %d of the benchmark corpus\n", $1 }' >"$d/emb.txt"
# eps ARGS...: embeddings per second, and the requests llm-sim answered
run=0
eps() {
	run=$((run + 1))     # a key of its own each run: each starts with a fresh minute
	t0=$(now_ms)
	ZHIPU_API_KEY="zbench$run+rpm=3000" llm-map -q -j 8 --embed --dimensions 4 "$@" . "$d/emb.txt" >"$d/emb.out" 2>/dev/null
	t1=$(now_ms)
	ok=$(grep -c '"ok":true' "$d/emb.out")
	awk -v n="$ok" -v ms="$((t1 - t0))" 'BEGIN { printf "%.0f", n * 1000 / (ms > 0 ? ms : 1) }'
}
say "embeddings: $EN inputs, batched vs --batch 1"
b=$(eps); reqb=$(( (EN + 63) / 64 ))
one=$(eps --batch 1)
row "llm-map --embed -j 8, $EN inputs of 4 dims, embeddings/s: batched (Zhipu embedding-3, 64 a request) vs --batch 1" \
	"$b ($reqb requests)" "$one ($EN requests)" "$(ratio "$b" "$one")x" "> 1x (loopback; under a binding rpm, up to 64x)"

# peak RSS: the process's own high-water mark, from getrusage via time(1)
say "embeddings: peak RSS, 10k and $BIG lines"
rss() {
	seq "$1" | OPENAI_API_KEY=oebench OPENAI_MODELS=text-embedding-3-small /usr/bin/time -f "%M" -o "$d/rss" \
		llm-map -q -j 8 --embed --dimensions 2 . >/dev/null 2>&1
	cat "$d/rss"
}
r10k=$(rss 10000); rbig=$(rss "$BIG")
row "llm-map --embed peak RSS, KB: $BIG lines vs 10k lines (OpenAI, 2048 a request, 2 dims)" \
	"$rbig" "$r10k" "$(ratio "$rbig" "$r10k")x" "<= 1.2x"

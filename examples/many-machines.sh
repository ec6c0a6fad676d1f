#!/bin/sh
# many-machines.sh — one batch sharded over several processes or machines
# with GNU parallel, one scheduler state for all of them in Redis.
#
#   LLM_STATE=redis://10.0.0.5:6379/0 examples/many-machines.sh [SLOT...] \
#       < batch.txt > records.ndjson
#
# The batch (one item per line) is cut into shards of SHARD_LINES lines
# (default 100); parallel --pipe feeds each shard to its own llm-map, and
# every llm-map keeps its requests under the same limits: the per-minute and
# per-day counts, the cooldowns after a 429, the dead keys and the parked
# quota owners are all in the Redis database LLM_STATE names, so two
# machines never spend one key's quota twice, and a key that one shard finds
# rate-limited is skipped by every other. The shards' records are then
# merged into one file in input order: i is the line's number in the whole
# batch (from 0), input its text.
#
# With no SLOT the shards run on this machine, two at a time (-j 2). Each
# SLOT is a GNU parallel --sshlogin: [N/][user@]host, ":" for this machine,
# so the shards go over ssh to machines that have the tools installed and
# their keys (the variables below are passed with --env; a .env file in the
# remote home directory also works):
#
#   export LLM_STATE=redis://10.0.0.5:6379/0     # reachable from every machine
#   examples/many-machines.sh 8/alice@gpu1 8/alice@gpu2 4/: < batch.txt > out.ndjson
#
# which runs, for each shard,
#
#   parallel --pipe -N 100 --sshlogin 8/alice@gpu1,8/alice@gpu2,4/: \
#       --env LLM_STATE --env GEMINI_API_KEY_1 ... llm-map -q --input '{prompt: .text}'
#
# TEMPLATE is the llm-map template (default {prompt: .text}; .text is the
# line). Exit status: 0 when every line was answered, 1 otherwise (the
# failed records are in the output with "ok":false).
set -eu
: "${LLM_STATE:=redis://127.0.0.1:6379/0}"
export LLM_STATE
case $LLM_STATE in
redis://*) ;;
*) echo "many-machines.sh: LLM_STATE=$LLM_STATE is not redis://: only this machine's shards share it" >&2 ;;
esac
shard=${SHARD_LINES:-100}
template=${TEMPLATE:-'{prompt: .text}'}

if [ $# -eq 0 ]; then
	set -- -j 2
else
	slots=$(printf '%s,' "$@")
	set -- --sshlogin "${slots%,}"
fi
# the variables the remote shards need (keys, addresses, the pool)
for v in $(env | sed -n 's/^\([A-Z][A-Z0-9_]*_\(API_KEY\|API_TOKEN\|BASE_URL\|MODELS\|PROJECT\)[A-Z0-9_]*\)=.*/\1/p') LLM_POOL; do
	[ -n "$(eval "printf %s \"\${$v:-}\"")" ] && set -- "$@" --env "$v"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/many-machines.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# number the lines (a shard's records count from 0), shard, run, collect
jq -cR '{n: (input_line_number - 1), text: .}' >"$tmp/batch.ndjson"
parallel --pipe -N "$shard" --keep-order --env LLM_STATE "$@" -q \
	llm-map -q --input "$template" <"$tmp/batch.ndjson" >"$tmp/shards.ndjson" || true

# merge: one record per line of the batch, in its order
n=$(wc -l <"$tmp/batch.ndjson")
jq -sc 'map(.i = .input.n | .input = .input.text) | sort_by(.i) | .[]' "$tmp/shards.ndjson" >"$tmp/merged.ndjson"
cat "$tmp/merged.ndjson"
ok=$(jq -s 'map(select(.ok) | .i) | unique | length' "$tmp/merged.ndjson")
jq -rs --argjson n "$n" --argjson ok "$ok" '
	"many-machines.sh: \($n) lines, \(length) records, \($ok) answered; "
	+ (map(select(.ok)) | group_by(.entry) | map("\(.[0].entry) \(length)") | join(", "))' \
	"$tmp/merged.ndjson" >&2
[ "$ok" -eq "$n" ] && [ "$(wc -l <"$tmp/merged.ndjson")" -eq "$n" ]

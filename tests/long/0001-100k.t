#!/bin/sh
# 100,000 items through llm-map -j 64 over a pool with mixed faults (slow,
# flaky, failing after a while, rate-limited, truncated, reset, garbage):
# exactly 100,000 records, each input line i exactly once, in order, each
# answered with the text of its own input. Run by make check-long (not CI).
_here=$(cd "$(dirname "$0")" && pwd)
. "$_here/../lib.sh"
exec </dev/null
PATH="$(cd "$_here/../.." && pwd)/bin:$PATH"    # lib.sh looks one level up only
if [ -z "${LLM_LONG:-}" ]; then
	echo "1..0 # SKIP long test: set LLM_LONG=1 (make check-long)"
	exit 0
fi
N=${LLM_LONG_N:-100000}

start_sim --threads 8
for i in 1 2 3 4 5 6 7 8 9 10; do
	case $i in
	1) k=good1 ;;
	2) k=good2+slow=5 ;;
	3) k=k3+flaky=7 ;;
	4) k=k4+failafter=20000 ;;
	5) k=k5+rpm=3000 ;;
	6) k=k6+flaky=3+slow=2 ;;
	7) k=k7+truncate ;;
	8) k=k8+reset ;;
	9) k=k9+garbage ;;
	10) k=good10+slow=20 ;;
	esac
	printf '{"id":"e%d","provider":"p%d","base_url":"%s/v1","model":"m%d","key":"%s"}\n' "$i" "$i" "$SIM" "$i" "$k"
done >pool.ndjson

# lines of text, some with quotes, backslashes and UTF-8, some request
# objects; want.txt: the answer each must get
awk -v n="$N" 'BEGIN {
	for (i = 0; i < n; i++) {
		if (i % 7 == 3) {
			printf "line %d \"quoted\" \\ back\\slash é ü 日本\n", i >"in.txt"
			printf "echo: line %d \"quoted\" \\ back\\slash é ü 日本\n", i >"want.txt"
		} else if (i % 11 == 5) {
			printf "{\"prompt\": \"object %d\"}\n", i >"in.txt"
			printf "echo: object %d\n", i >"want.txt"
		} else {
			printf "item %d\n", i >"in.txt"
			printf "echo: item %d\n", i >"want.txt"
		}
	}
}'
is "$(wc -l <in.txt | tr -d ' ')" "$N" "$N input lines"

start=$(date +%s)
llm-map -j 64 --retries 20 --pool pool.ndjson . in.txt >out.ndjson 2>err.txt
rc=$?
secs=$(($(date +%s) - start))
diag "llm-map: $secs s; $(tail -1 err.txt)"
is "$rc" 0 "exit 0"
is "$(wc -l <out.ndjson | tr -d ' ')" "$N" "$N records"
# i, ok, text of every record, in output order
jq -r '[.i, .ok, .text] | @json' out.ndjson >got.txt
is "$(jq -r '.[0]' got.txt | awk -v n="$N" '$1 != NR - 1 { bad++ } END { print bad + 0 }')" 0 "records in input order, each i exactly once"
is "$(jq -r 'select(.[1] != true) | .[0]' got.txt | wc -l | tr -d ' ')" 0 "every item answered"
jq -c 'select(.ok | not) | [.i, .error]' out.ndjson | head -3 | sed 's/^/# /' 
# the text of record i is the answer to line i+1 of the input
jq -r '.[2]' got.txt >texts.txt
is "$(cmp want.txt texts.txt >/dev/null && echo same)" same "each text matches its own input"
cmp want.txt texts.txt | head -1 | sed 's/^/# /'
faults=$(jq -r 'select(.fault != null) | .fault' "$SIM_LOG" | sort | uniq -c | awk '{ printf "%s %s, ", $2, $1 }')
diag "faults met: $faults"
check "faults were met: failed-over items" test "$(jq -r 'select(.attempts | length > 1) | .i' out.ndjson | wc -l)" -gt 0

done_testing

#!/bin/sh
# What every tool does the same: --version; llm-pool prints a table on a
# terminal and NDJSON to a pipe; the usage counts of llm-pool --status are
# whole numbers.
. "$(dirname "$0")/lib.sh"
exec </dev/null

for t in llm-ask llm-map llm-pool llm-serve llm-sim llm-fmt; do
	run "$t" --version
	is "$rc" 0 "$t --version: exit 0"
	like "$out" "^$t [0-9]+\\.[0-9]+\\.[0-9]+\$" "$t --version: name and version"
	is "$err" "" "$t --version: nothing on stderr"
done
is "$(llm-ask --version | cut -d' ' -f2)" "$(llm-sim --version | cut -d' ' -f2)" "one version for all tools"

start_sim
export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY_1=k1 GEMINI_BASE_URL="$SIM/v1beta" GEMINI_API_KEY_1=g1
export LLM_STATE="$T/state.db"

# llm-pool on a terminal: a table; to a pipe: NDJSON
if command -v script >/dev/null; then
	script -qec "llm-pool" /dev/null > tty.out 2>&1
	tr -d '\r' < tty.out > tty.txt
	like "$(head -n 1 tty.txt)" '^ENTRY +PROVIDER +MODEL +KEY +QUOTA +RPM +RPD$' "llm-pool on a terminal: a table header"
	like "$(grep '^openai-1:gpt-4o-mini ' tty.txt)" '^openai-1:gpt-4o-mini +openai +gpt-4o-mini +OPENAI_API_KEY_1 +openai-1 +- +-$' \
		"llm-pool on a terminal: one row per entry"
	is "$(grep -c '^{' tty.txt)" 0 "llm-pool on a terminal: no JSON"
	is "$(($(wc -l < tty.txt) - 1))" "$(llm-pool | wc -l)" "the table has a row per entry"
else
	ok "# SKIP no script(1)"
fi
run sh -c 'llm-pool | head -n 1'
is "$(printf '%s' "$out" | jq -r .id)" "gemini-1:gemini-2.5-flash" "llm-pool to a pipe: NDJSON"

# --status: the minute's usage is a whole number, also across the minute
llm-ask -m gpt-4o-mini hi >/dev/null 2>&1
llm-ask -m gpt-4o-mini hi >/dev/null 2>&1
# as if three requests had been made in the minute before
sqlite3 "$LLM_STATE" "UPDATE rec SET win_prev = 3 WHERE scope LIKE 'o:%'"
run sh -c 'llm-pool --status --model gpt-4o-mini'
used=$(printf '%s' "$out" | jq .minute.used)
like "$used" '^[0-9]+$' "--status: minute.used is a whole number ($used)"
is "$(printf '%s' "$out" | jq '.minute.used >= 2 and .minute.used <= 5')" true "--status: minute.used counts this minute's and the last's share"
is "$(printf '%s' "$out" | jq '.day.used')" 2 "--status: day.used counts the requests"

done_testing

#!/bin/sh
# data/catalog.ndjson lints clean: every line is a JSON object the tools
# accept without a warning, every provider has a source and a date, every
# limit window has a source URL and a read date (YYYY-MM-DD), a known kind
# and reset, and every provider of a model line is declared before it.
. "$(dirname "$0")/lib.sh"
exec </dev/null

F="$TOP/data/catalog.ndjson"
grep -v '^#' "$F" | grep . >"$T/lines"
n=$(wc -l <"$T/lines" | tr -d ' ')
check "catalog: $n data lines" [ "$n" -gt 20 ]
bad=$(jq -c 'select(type != "object")' "$T/lines" 2>&1)
is "$bad" "" "catalog: every data line is a JSON object"

# every window: a source URL, a read date, a known kind and reset, a max
bad=$(jq -r '(.limits // [])[] as $l | select(
	($l.source | type) != "string" or ($l.source | test("^https://") | not) or
	($l.read | type) != "string" or ($l.read | test("^20[0-9][0-9]-[01][0-9]-[0-3][0-9]$") | not) or
	($l.window | IN("rpm","rph","rpd","rpmo","tpm","tpd","tpmo","conc","npd") | not) or
	(($l.reset // "rolling") | IN("rolling","utc","pacific","month") | not) or
	(($l.max | type) != "number") or $l.max <= 0) |
	"\(.provider) \(.model // "(provider)") \($l | tojson)"' "$T/lines")
is "$bad" "" "catalog: every limit has a source URL, a read date, a known window and reset"
[ -z "$bad" ] || diag "$bad"

# every provider line: a source and a date; keys named; a wire
bad=$(jq -r 'select(has("model") | not) | select((.source | type) != "string" or
	((.read // "") | test("^20[0-9][0-9]-[01][0-9]-[0-3][0-9]$") | not) or
	((.keys // []) | length) == 0 or (.wire | IN("openai","gemini","cloudflare") | not)) | .provider' "$T/lines")
is "$bad" "" "catalog: every provider has a wire, key variables, a source and a read date"

# a day window has a daily reset; a month window a monthly one
bad=$(jq -r '(.limits // [])[] as $l | select(
	($l.window | IN("rpd","tpd","npd")) and (($l.reset // "rolling") | IN("utc","pacific") | not) or
	($l.window | IN("rpmo","tpmo")) and ($l.reset != "month")) |
	"\(.provider) \(.model // "") \($l.window)"' "$T/lines")
is "$bad" "" "catalog: day windows reset daily, month windows monthly"

# every embedding model: its dimensions and input limit, where they were
# read and when; an item limit, or a note saying it is not published
bad=$(jq -r 'select((.caps // []) | index("embedding")) | select(
	((.dims | type) != "number") or ((.max_input_tokens | type) != "number") or
	((.source // "") | test("^https://") | not) or
	((.read // "") | test("^20[0-9][0-9]-[01][0-9]-[0-3][0-9]$") | not) or
	((.max_batch | type) != "number" and ((.note // "") | test("not published") | not))) |
	"\(.provider) \(.model)"' "$T/lines")
is "$bad" "" "catalog: every embedding model has dims, max_input_tokens, a source, a date, and max_batch or a note"
is "$(jq -r 'select((.caps // []) | index("embedding")) | .provider' "$T/lines" | sort -u | tr '\n' ' ')" \
	"cloudflare dashscope gemini mistral openai siliconflow zhipu " "catalog: embedding models of seven providers"

# model lines name a provider declared before them; no line twice
bad=$(jq -rs 'reduce .[] as $o ({seen: [], bad: []};
	if ($o | has("model")) then
		(if (.seen | index($o.provider)) then . else .bad += [$o.provider + " " + $o.model] end)
	else .seen += [$o.provider] end) | .bad[]' "$T/lines")
is "$bad" "" "catalog: every model's provider is declared before it"
is "$(jq -r '"\(.provider) \(.model // "")"' "$T/lines" | sort | uniq -d)" "" "catalog: no provider or model twice"

# and the tools read it as they ship it: no warning at all
run env LLM_CATALOG="$F" llm-pool --catalog
is "$rc:$err" "0:" "catalog: llm-pool reads the file without a warning"
is "$(printf '%s\n' "$out" | grep -c .)" "$n" "catalog: llm-pool --catalog prints one line per data line"
done_testing

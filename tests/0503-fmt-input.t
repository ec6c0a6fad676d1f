#!/bin/sh
# llm-fmt tells one answer spanning lines (a fenced block) from a stream of
# answers or records by its first line, and says which with -v; --lines
# and -w choose. Output with a header (-T c) is written whole or not at
# all. The short letters of llm-fmt mean what they mean in every tool.
. "$(dirname "$0")/lib.sh"
export LLM_STATE=memory

start_sim
export OPENAI_BASE_URL="$SIM/v1" OPENAI_API_KEY_1=k1

# the natural pipe: an answer spanning lines (the simulator echoes the prompt)
P='Here you go:
```json
{
  "name": "Ada",
  "age": 36
}
```'
run sh -c 'llm-ask "$1" </dev/null | llm-fmt -S "name, age int"' sh "$P"
is "$rc" 0 "llm-ask | llm-fmt, a fenced answer over lines: exit 0"
is "$out" '{"name":"Ada","age":36}' "llm-ask | llm-fmt: the value"
is "$err" "" "llm-ask | llm-fmt: nothing on stderr"
run sh -c 'llm-ask "$1" </dev/null | llm-fmt -v -S "name, age int"' sh "$P"
is "$err" "llm-fmt: <stdin>: one text (its first line holds no whole value; --lines for one text per line)" \
	"-v says the input is one text"
run sh -c 'llm-ask "$1" </dev/null | llm-fmt --lines -S "name, age int"' sh "$P"
is "$rc" 65 "--lines: each line is a text (the old way): exit 65"
run llm-fmt -w --lines -S name </dev/null
is "$rc" 2 "-w with --lines: exit 2"

# a stream of answers, one per line, stays one per line
printf '%s\n' '{"name":"a","age":1}' 'noise {"name":"b","age":2} noise' > nd.txt
run llm-fmt -v -S 'name, age int' nd.txt
is "$out" '{"name":"a","age":1}
{"name":"b","age":2}' "a stream of answers: one output per line"
is "$err" "llm-fmt: nd.txt: one text per line (the first line holds a whole value or record; -w for one text)" \
	"-v says the input is one text per line"
# and a stream of llm-map records
printf 'x\ny\n' | llm-map -q '"{\"name\":\"\(.)\",\"age\":7}"' > recs.ndjson
run llm-fmt -S 'name, age int' recs.ndjson
is "$out" '{"i":0,"id":"'"$(jq -r 'select(.i==0).id' recs.ndjson)"'","ok":true,"data":{"name":"x","age":7}}
{"i":1,"id":"'"$(jq -r 'select(.i==1).id' recs.ndjson)"'","ok":true,"data":{"name":"y","age":7}}' "a stream of records: one output record each"
# an answer that starts with a bare '{' line is one text, not '{}' then noise
printf '{\n  "name": "c",\n  "age": 3\n}\n' > pretty.txt
run llm-fmt -S 'name, age int' pretty.txt
is "$out" '{"name":"c","age":3}' "pretty-printed JSON over lines: one value"

# -T c: an error leaves nothing half-written on stdout
printf '%s\n' '{"name":"a","age":1}' '{"name":"b","age":"old"}' > bad.txt
run llm-fmt -S 'name, age int' -T c bad.txt
is "$rc" 65 "-T c, a bad second line: exit 65"
is "$out" "" "-T c, a bad second line: nothing on stdout (no half header)"
like "$err" '^llm-fmt: bad\.txt:2: \$\.age: expected integer, got "old" \(string\)$' "-T c: the error names FILE:LINE and the path"
run llm-fmt -S 'name, age int' -T c -n rec nd.txt
is "$rc" 0 "-T c, good input: exit 0"
like "$out" 'struct rec \{' "-T c, good input: the header"
like "$out" 'rec_count = 2;' "-T c, good input: the rows and the footer"
run llm-fmt -k -S 'name, age int' -T csv -H bad.txt
is "$rc" 1 "-T csv -H -k: a bad line: exit 1"
is "$(printf '%s' "$out" | tr -d '\r')" "name,age
a,1" "-T csv -H -k: the header and the good rows"

# one meaning per letter: llm-fmt's old letters are refused with the new
for pair in s:-S,\ --schema t:-T,\ --to m:-M,\ --multi p:-P,\ --prefix l:-L,\ --level; do
	old=${pair%%:*} new=${pair#*:}
	run llm-fmt -"$old" x </dev/null
	is "$rc" 2 "llm-fmt -$old: exit 2"
	is "$err" "llm-fmt: -$old: unknown option; did you mean $new? (see llm-fmt --help)" "llm-fmt -$old: points at $new"
done
# every short letter means one long option across the tools a pipeline joins
for t in llm-ask llm-map llm-pool llm-serve llm-fmt; do
	"$t" --help 2>&1 | sed -n 's/^ *\(-[A-Za-z]\), \(--[a-z-]*\).*/\1 \2/p'
done | sort -u > letters
dups=$(cut -d' ' -f1 letters | uniq -d | tr '\n' ' ')
is "$dups" "" "one long option per short letter across llm-ask, llm-map, llm-pool, llm-serve, llm-fmt"

done_testing

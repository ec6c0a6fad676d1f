#!/bin/sh
# llm-fmt: the command line, input forms, records, errors, exit codes,
# --emit-schema, the other output formats, and the man page examples.
. "$(dirname "$0")/lib.sh"

# ---- options: help, man page, completions
run llm-fmt --help
is "$rc" 0 "--help exits 0"
like "$out" '^usage: llm-fmt ' "--help prints the usage on stdout"
for o in ascii c-nul emit-schema extra-keys header help keep-going level multi name prefix raw repair schema to upper verbose whole; do
	case "$out" in *"--$o"*) ok "--help lists --$o" ;; *) nok "--help lists --$o" ;; esac
	grep -q -- "Fl -$o" "$TOP/man/llm-fmt.1" && ok "man page lists --$o" || nok "man page lists --$o"
	for f in "$TOP/completions/bash/llm-fmt" "$TOP/completions/zsh/_llm-fmt" "$TOP/completions/fish/llm-fmt.fish"; do
		grep -q -- "$o" "$f" || { nok "$f lists --$o"; continue 2; }
	done
	ok "completions list --$o"
done
if command -v mandoc >/dev/null 2>&1; then
	is "$(mandoc -Tlint "$TOP/man/llm-fmt.1" 2>&1 | grep -v 'referenced manual not found\|mandoc.db')" "" "mandoc -Tlint is clean"
fi

run llm-fmt --to nope -S name
is "$rc" 2 "bad --to: exit 2"
like "$err" "^llm-fmt: --to: expected json, c, " "bad --to: one line"
is "$(printf '%s\n' "$err" | wc -l)" 1 "usage errors are one line"
run llm-fmt --level loose -S name
is "$rc" 2 "bad --level: exit 2"
run llm-fmt --repair yes -S name
is "$rc" 2 "bad --repair: exit 2"
run llm-fmt --bogus
is "$rc" 2 "unknown option: exit 2"
run llm-fmt
is "$rc" 2 "no --schema: exit 2"
like "$err" "schema is required" "no --schema: says so"
run llm-fmt -S 'name, age years'
is "$rc" 2 "bad schema: exit 2"
is "$err" 'llm-fmt: --schema: column 11: unknown type "years" (types: str int float bool any date datetime email uri uuid, [T], {fields}, a|b enums)' \
	"bad schema: the column and the choices"
run llm-fmt -S @nonexistent.json
is "$rc" 2 "missing schema file: exit 2"

# ---- --emit-schema
run llm-fmt -S 'name, age int' -e jsonschema
is "$out" '{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"]}' \
	"jsonschema is llm's"
run llm-fmt -S 'name, zip str?' -e openai
is "$out" '{"type":"object","properties":{"name":{"type":"string"},"zip":{"type":["string","null"]}},"required":["name","zip"],"additionalProperties":false}' \
	"openai strict"
run llm-fmt -S 'name, zip str?' -e gemini
is "$out" '{"type":"OBJECT","properties":{"name":{"type":"STRING"},"zip":{"type":"STRING","nullable":true}},"required":["name"],"propertyOrdering":["name","zip"]}' \
	"gemini responseSchema"
run llm-fmt -S 'name, age int' -M -e openai
like "$out" '^\{"type":"object","properties":\{"items":\{"type":"array"' "--multi: the answer's schema, wrapped for openai"
run llm-fmt -S '{"type":"object","properties":{"a":{"type":"integer","minimum":1}},"required":["a"]}' -e dsl
is "$out" "a int 1.." "JSON Schema to DSL"
printf '%s\n' '{"type":"object","properties":{"n":{"type":"string"}},"required":["n"]}' > s.json
run llm-fmt -S s.json -e dsl
is "$out" "n" "a .json path reads the file"
run llm-fmt -S @s.json -e dsl
is "$out" "n" "@FILE reads the file"

# ---- input forms
printf '%s\n' 'noise {"name":"a","age":1} noise' '' '{"name":"b","age":"2"}' > lines.txt
run llm-fmt -S 'name, age int' lines.txt
is "$out" '{"name":"a","age":1}
{"name":"b","age":2}' "one text per line, blank lines skipped"
printf 'Here you go:\n```json\n{\n  "name": "c",\n  "age": 3\n}\n```\n' > whole.txt
run llm-fmt -w -S 'name, age int' whole.txt
is "$out" '{"name":"c","age":3}' "--whole reads a multi-line answer"
run llm-fmt -w -S 'name, age int' - < whole.txt
is "$out" '{"name":"c","age":3}' "- is stdin"
run llm-fmt -S 'name, age int' lines.txt lines.txt
is "$(printf '%s\n' "$out" | wc -l)" 4 "several files"

# result records in, records out
cat > recs.ndjson <<'EOF'
{"i":0,"id":"a","ok":true,"text":"```json\n{\"name\":\"x\",\"age\":1}\n```"}
{"i":1,"id":"b","ok":false,"error":{"kind":"rate_limited","message":"429"}}
{"i":2,"id":"c","ok":true,"text":"{\"name\":\"y\",\"age\":\"old\"}"}
{"i":3,"id":"d","ok":true,"text":"{\"name\":\"z\",\"age\":3}"}
EOF
run llm-fmt -k -S 'name, age int' recs.ndjson
is "$rc" 1 "some records failed: exit 1"
is "$out" '{"i":0,"id":"a","ok":true,"data":{"name":"x","age":1}}
{"i":1,"id":"b","ok":false,"error":{"kind":"rate_limited","message":"429"}}
{"i":2,"id":"c","ok":false,"error":{"kind":"invalid_output","message":"$.age: expected integer, got \"old\" (string)"}}
{"i":3,"id":"d","ok":true,"data":{"name":"z","age":3}}' "records: data kept with i and id; failures as records"
like "$err" 'recs.ndjson:2: upstream failure: 429' "an upstream failure is reported"
run llm-fmt -S 'name, age int' recs.ndjson
is "$rc" 65 "without --keep-going the first invalid record stops: exit 65"
like "$err" 'llm-fmt: recs.ndjson:3: \$\.age: expected integer, got "old" \(string\)' "FILE:LINE: \$.path: reason"
is "$(printf '%s\n' "$out" | wc -l)" 2 "output up to the failure"
run llm-fmt -k -T csv -S 'name, age int' recs.ndjson
like "$err" 'recs.ndjson:3: \$\.age: expected integer' "other formats: the failure goes to stderr"
is "$(printf '%s\n' "$out" | tr -d '\r')" "x,1
z,3" "other formats: good rows only"
run llm-fmt --raw -S 'ok bool, text' <<'EOF'
{"ok":true,"text":"hi"}
EOF
is "$out" '{"ok":true,"text":"hi"}' "--raw: a record-looking line is data"

# --multi
printf '%s\n' '{"name":"a","age":1}' '{"name":"b","age":2}' > nd.txt
run llm-fmt -M -w -S 'name, age int' nd.txt
is "$out" '{"name":"a","age":1}
{"name":"b","age":2}' "--multi: NDJSON answer, one output per item"
run llm-fmt -M -S 'name, age int' <<'EOF'
{"i":7,"ok":true,"text":"{\"items\":[{\"name\":\"a\",\"age\":1},{\"name\":\"b\",\"age\":2}]}"}
EOF
is "$out" '{"i":7,"item":0,"ok":true,"data":{"name":"a","age":1}}
{"i":7,"item":1,"ok":true,"data":{"name":"b","age":2}}' "--multi records carry item"

# -v and warnings
run llm-fmt -v -S 'name, age int' <<'EOF'
{name: 'Ada', "age": "36", "x": 1,}
EOF
is "$out" '{"name":"Ada","age":36}' "-v: value"
like "$err" 'repair unquoted_key' "-v: repairs"
like "$err" 'coerce string_to_int: \$\.age: read "36" \(string\) as a number' "-v: coercions with the path"
like "$err" 'warning extra_key: \$\.x: dropped' "-v: dropped keys"
run llm-fmt -S 'name, tags [str]' <<'EOF'
{"name": "Ada", "tags": ["a", "b
EOF
is "$out" '{"name":"Ada","tags":["a"]}' "truncated: closed, incomplete item dropped"
like "$err" 'repair truncated' "truncation is reported without -v"
run llm-fmt -L strict -S 'name, age int' <<'EOF'
{"name": "Ada", "age": "36"}
EOF
is "$rc" 65 "--level strict refuses coercion"
run llm-fmt -r none -S 'name' <<'EOF'
{'name': 'Ada'}
EOF
is "$rc" 65 "--repair none refuses repairs"
like "$err" 'single_quote needs --repair safe' "the refusal names the tier"
run llm-fmt -r aggressive -S 'item' <<'EOF'
{"item": "32" monitor"}
EOF
is "$out" '{"item":"32\" monitor"}' "--repair aggressive: inner quote"
run llm-fmt --extra-keys keep -S 'a' <<'EOF'
{"a": "1", "b": 2}
EOF
is "$out" '{"a":"1","b":2}' "--extra-keys keep"
run llm-fmt --extra-keys error -S 'a' <<'EOF'
{"a": "1", "b": 2}
EOF
is "$rc" 65 "--extra-keys error"

# ---- tsv, csv
printf '%s\n' '{"a":"x\ty","b":{"c":null},"d":[1,2]}' > t.json
run llm-fmt -H -T tsv -S 'a, b {c int?}, d [int]' t.json
is "$out" 'a	b.c	d
x\ty	\N	[1,2]' "tsv: header, escapes, \\N, nested paths, arrays as JSON"
printf '%s\n' '{"a":"x, \"y\"","b":{"c":1},"d":[]}' > c.json
run llm-fmt -T csv -S 'a, b {c int?}, d [int]' c.json
is "$out" "\"x, \"\"y\"\"\",1,[]$(printf '\r')" "csv: RFC 4180 quoting, CRLF"
run llm-fmt -T tsv -S '[n, x int]' <<'EOF'
[{"n":"a","x":1},{"n":"b","x":2}]
EOF
is "$out" 'a	1
b	2' "an array root is written row by row"

# ---- py, rs, go, ts
printf '%s\n' '{"name":"q\"\\\n\u0001é","n":3,"f":0.5,"ok":true,"tags":["a"],"nick":null,"addr":{"city":"x"}}' > l.json
S='name, n int, f float, ok bool, tags [str], nick str?, addr {city}?'
if command -v python3 >/dev/null 2>&1; then
	llm-fmt -S "$S" -T py l.json > v.py
	check "py: the literal evaluates to the input" python3 -c "
import json
exec(open('v.py').read())
assert llm_result_0 == json.load(open('l.json')), llm_result_0"
fi
# rustup's shim finds its toolchains under the real HOME, which lib.sh replaced
if command -v rustc >/dev/null 2>&1 && ! rustc --version >/dev/null 2>&1; then
	r=$(command -v rustc)
	[ -d "${r%/.cargo/bin/rustc}/.rustup" ] && export RUSTUP_HOME="${r%/.cargo/bin/rustc}/.rustup"
fi
if command -v rustc >/dev/null 2>&1 && rustc --version >/dev/null 2>&1; then
	{ llm-fmt -S "$S" -T rs l.json; printf '%s\n' 'fn main() { let v = LLM_RESULT_0; assert_eq!(v.name, "q\"\\\n\u{1}é"); assert_eq!(v.nick, None); println!("{}", v.addr.unwrap().city); }'; } > v.rs
	if rustc --edition 2021 -D warnings -o v v.rs 2>rs.err && ./v | grep -qx x; then ok "rs: compiles without warnings and holds the values"; else nok "rs: compiles"; diag "$(head -5 rs.err)"; fi
fi
if command -v go >/dev/null 2>&1; then
	llm-fmt -S "$S" -T go -n main l.json > v.go && echo 'func main() { _ = LlmResult0 }' >> v.go
	check "go: vet passes" go vet v.go
else
	ok "go: vet passes # SKIP go is not installed (golang-go is not in tests/deps.sh: 330 MB)"
fi
run llm-fmt -S "$S" -T ts l.json
like "$out" 'export interface LlmResult \{' "ts: interface"
like "$out" 'export const llmResult0: LlmResult = \{' "ts: value"
if command -v node >/dev/null 2>&1; then
	# type annotations stripped, the literal must be valid JavaScript with the same value
	printf '%s\n' "$out" | sed -n '/^export const/,$p' | sed 's/^export const llmResult0: LlmResult =/module.exports =/' > v.js
	check "ts: the value is valid JavaScript equal to the input" node -e "
const a = require('./v.js'), b = require('fs').readFileSync('l.json', 'utf8');
if (JSON.stringify(a) !== JSON.stringify(JSON.parse(b))) process.exit(1);"
fi

# ---- the man page examples
run sh -c "echo 'Sure! {\"name\": \"Ada\", \"age\": \"36\",}' | llm-fmt -S 'name, age int'"
is "$out" '{"name":"Ada","age":36}' "man: chatty answer"
run sh -c "echo '{\"name\": \"Ada\", \"age\": \"five\"}' | llm-fmt -S 'name, age int'"
is "$err" 'llm-fmt: <stdin>:1: $.age: expected integer, got "five" (string)' "man: refusal"
run sh -c "echo \"{'city': 'Paris', 'pop': 2.1}\" | llm-fmt -S 'city, pop float' -T sh"
is "$out" "LLM_city='Paris'
LLM_pop='2.1'" "man: shell variables"
run sh -c "printf '%s\n' '[{\"n\":\"a\",\"x\":1},{\"n\":\"b\",\"x\":2}]' | llm-fmt -M -S 'n, x int' -T csv -H | tr -d '\r'"
is "$out" "n,x
a,1
b,2" "man: csv"
run llm-fmt -S 'name, tags [str]' -T c-decl -n person
printf '%s\n' "$out" > person.h
run llm-fmt -S @person.h -n person -e dsl
is "$out" "name
tags [str]" "man: C header round trip"

# ---- stdout errors and terminals
if [ -w /dev/full ]; then
	run sh -c "echo '{\"a\":\"b\"}' | llm-fmt -S a > /dev/full"
	is "$rc" 1 "a full disk is an error"
fi
run sh -c "yes '{\"a\":\"b\"}' | head -1000 | llm-fmt -S a | head -1"
is "$out" '{"a":"b"}' "a closed pipe ends quietly"

done_testing

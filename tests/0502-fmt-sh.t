#!/bin/sh
# llm-fmt --to sh: assignments survive eval in sh, dash and bash, hostile
# strings come back byte for byte, and no key can set a variable outside
# the prefix (PATH, IFS, ...).
. "$(dirname "$0")/lib.sh"

S='name, tags [str], n int, ok bool, nick str?, addr {street, zip str?}?'
# hostile values; no NUL (a shell variable cannot hold one)
jq -nc '[
  "plain", "it'"'"'s", "'"'"'", "'"'"''"'"'", "\"double\"", "back\\slash", "$HOME ${PATH} $(id) `id`",
  "a;b&&c||d|e>f<g", "line\nbreak", "\r\t\u0001\u007f", "caf\u00e9 \ud83d\ude00", "*", "-n", "--", "~root",
  "trailing newline\n", "\n", "", "#comment", "!event", "a'"'"'b\"c$d`e\\f"
] | .[] | {name: ., tags: [., "x"], n: 1, ok: true, nick: ., addr: {street: ., zip: null}}' > in.ndjson
total=$(wc -l < in.ndjson)
# (a jq error leaves in.ndjson empty: every check below would hold on nothing)
is "$total" 21 "21 hostile records"

i=0
while IFS= read -r rec; do
	i=$((i+1))
	printf '%s\n' "$rec" > rec.json
	llm-fmt -S "$S" -T sh rec.json > out.sh || { nok "record $i: exit 0"; continue; }
	jq -j .name rec.json > want
	for shell in sh dash bash; do
		command -v "$shell" >/dev/null 2>&1 || continue
		if ! "$shell" -n out.sh 2>/dev/null; then nok "record $i: $shell -n"; continue; fi
		# print the values back, byte for byte
		"$shell" -c '. ./out.sh; printf %s "$LLM_name"' > got.name
		"$shell" -c '. ./out.sh; printf %s "$LLM_tags_0"' > got.tag
		"$shell" -c '. ./out.sh; printf %s "$LLM_addr_street"' > got.street
		if cmp -s got.name want && cmp -s got.tag want && cmp -s got.street want; then :; else
			nok "record $i: $shell round trip"; diag "want: $(od -c want | head -2)" "got:  $(od -c got.name | head -2)"
			continue
		fi
		ok "record $i: $shell eval round trip"
	done
done < in.ndjson
is "$i" "$total" "every record tried"

# null, counts, booleans
printf '%s\n' '{"name":"a","tags":[],"n":-5,"ok":false,"nick":null,"addr":null}' > r.json
run llm-fmt -S "$S" -T sh r.json
is "$out" "LLM_name='a'
LLM_tags_count='0'
LLM_n='-5'
LLM_ok='false'
LLM_nick=''
LLM_nick_null=1
LLM_addr_street=''
LLM_addr_street_null=1
LLM_addr_zip=''
LLM_addr_zip_null=1
LLM_addr_null=1" "nulls, empty arrays, numbers, booleans"

# keys that would clobber variables stay under the prefix
K='PATH, IFS, HOME, PS4, "a b", "x;y", "$(id)", "1st", "LLM_", "ENV", "_"'
printf '%s\n' '{"PATH":"/evil","IFS":"x","HOME":"/evil","PS4":"+evil","a b":"s","x;y":"s","$(id)":"s","1st":"s","LLM_":"s","ENV":"/evil","_":"s"}' > k.json
run llm-fmt -S "$K" -T sh k.json
is "$rc" 0 "hostile keys: exit 0"
unlike "$out" '^(PATH|IFS|HOME|PS4|ENV|_)=' "no assignment outside the prefix"
while IFS= read -r l; do
	case "$l" in LLM_*=*) ;; *) nok "every line assigns an LLM_ name: $l"; continue ;; esac
	name=${l%%=*}
	case "$name" in *[!A-Za-z0-9_]*) nok "sanitized name: $name" ;; esac
done <<EOF
$out
EOF
ok "every line assigns a sanitized LLM_ name"
printf '%s\n' "$out" > k.sh
p0=$PATH
(eval "$(cat k.sh)"; [ "$PATH" = "$p0" ] && [ "$HOME" = "$T" ] && [ "$LLM_PATH" = /evil ] && [ "$LLM_a_b" = s ]) &&
	ok "eval leaves PATH and HOME alone; values land under LLM_" || nok "eval leaves PATH and HOME alone"

# --prefix and --upper
run llm-fmt -S 'name, tags [str]' -T sh -P R_ --upper <<'EOF'
{"name":"a","tags":["b"]}
EOF
is "$out" "R_NAME='a'
R_TAGS_COUNT='1'
R_TAGS_0='b'" "--prefix R_ --upper"
run llm-fmt -S name -T sh -P 'x;rm' </dev/null
is "$rc" 2 "a prefix that is not a shell name: exit 2"
like "$err" "^llm-fmt: --prefix: expected a shell name" "bad prefix: one line"
run llm-fmt -S name -T sh -P '' </dev/null
is "$rc" 2 "an empty prefix is refused"

# NUL cannot go into a shell variable: a clean per-record error
printf '%s\n' '{"name":"a\u0000b"}' > nul.json
run llm-fmt -S name -T sh nul.json
is "$rc" 65 "NUL: exit 65"
like "$err" 'LLM_name: a shell variable cannot hold a NUL byte' "NUL: says why"
is "$out" "" "NUL: nothing half-written"

done_testing

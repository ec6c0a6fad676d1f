#!/bin/sh
# llm-fmt --to c: the output compiles warning-free as C99 and as C++ with
# gcc, clang, g++ and clang++, and a program built on it prints back exactly
# the values it was given, hostile strings included.
. "$(dirname "$0")/lib.sh"

S='name, tags [str], n int, f float, ok bool, role admin|"Power User", nick str?, addr {street, zip str?}?, jobs [co, yrs int?], meta any?'

# hostile values, one JSON record per line (jq writes the escapes)
jq -nc '
  def hostile: [
    "plain", "q\"uote", "back\\slash\\", "??= ??/ ??'"'"' ??( ??) ??! ??< ??> ??-", "???=", "?\\?=",
    "*/ /* not a comment */", "line\nbreak\r\ttab", "\u0001\u001f\u007f", "caf\u00e9 \u65e5\u672c \ud83d\ude00",
    "\u00e9e \u00c3\u00a9", "%s%n%d", "'"'"'single'"'"'", "$(rm -rf /) `id`", "#define X 1", "\\x41\\101",
    "trailing backslash\\", "\u2028\u2029", "", ([range(100)] | map("a") | join("é")), ("x" * 71 + "\u00e9\u00e9"),
    "\\\"\\\"", "?" , "??", "a?b??c???d????"
  ];
  hostile as $h
  | range(0; $h | length) as $i
  | {name: $h[$i], tags: [$h[$i], $h[($i + 1) % ($h | length)]], n: ($i * 1000003 - 9007199254740991 * (if $i == 3 then 1 else 0 end)),
     f: ($i / 7 - 3), ok: ($i % 2 == 0), role: (if $i % 2 == 0 then "admin" else "Power User" end),
     nick: (if $i % 3 == 0 then null else $h[$i] end),
     addr: (if $i % 4 == 0 then null else {street: $h[$i], zip: (if $i % 2 == 0 then $h[$i] else null end)} end),
     jobs: (if $i % 5 == 0 then [] else [{co: $h[$i], yrs: $i}, {co: "b", yrs: null}] end),
     meta: (if $i % 6 == 0 then {k: [$h[$i], 1.5, true, null]} else null end)}' > in.ndjson
n=$(wc -l < in.ndjson)
is "$n" 25 "25 hostile records"

run llm-fmt -S "$S" -T c -n rec in.ndjson
is "$rc" 0 "--to c exits 0"
printf '%s\n' "$out" > out.h
like "$(grep -c 'static const struct rec rec_' out.h)" "^$n\$" "one value per record"
# a hex escape is a backslash that is not itself escaped, then x
is "$(perl -ne 'print if /(?<!\\)(?:\\\\)*\\x/' out.h)" "" "no hex escapes in the output"
unlike "$(grep -v '^/\*\|^ \*' out.h | tr -d '\n' | sed 's/\\?//g')" '\?\?[=/()!<>'"'"'-]' "no trigraph survives"

# the JSON the C program must print: llm-fmt's own JSON for the same input
llm-fmt -S "$S" in.ndjson | jq -cS . > want.ndjson

cat > main.c <<'EOF'
#include <stdio.h>
#include "out.h"
static void s(const char *p)
{
	if (!p) { fputs("null", stdout); return; }
	putchar('"');
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f) printf("\\u%04x", c);
		else putchar(c);
	}
	putchar('"');
}
int main(void)
{
	for (size_t i = 0; i < rec_count; i++) {
		const struct rec *r = rec_all[i];
		printf("{\"name\":"); s(r->name);
		printf(",\"tags\":[");
		for (size_t k = 0; k < r->tags_count; k++) { if (k) putchar(','); s(r->tags[k]); }
		printf("],\"n\":%lld,\"f\":%.17g,\"ok\":%s,\"role\":", r->n, r->f, r->ok ? "true" : "false");
		s(rec_role_name(r->role));
		printf(",\"nick\":"); s(r->nick);
		printf(",\"addr\":");
		if (r->addr) { printf("{\"street\":"); s(r->addr->street); printf(",\"zip\":"); s(r->addr->zip); printf("}"); }
		else printf("null");
		printf(",\"jobs\":[");
		for (size_t k = 0; k < r->jobs_count; k++) {
			if (k) putchar(',');
			printf("{\"co\":"); s(r->jobs[k].co);
			if (r->jobs[k].has_yrs) printf(",\"yrs\":%lld}", r->jobs[k].yrs); else printf(",\"yrs\":null}");
		}
		printf("],\"meta\":%s}\n", r->meta_json ? r->meta_json : "null");
	}
	return 0;
}
EOF

compiled=0
for cc in "gcc -std=c99" "gcc -std=c11" "clang -std=c99" "g++ -x c++ -std=c++20" "clang++ -x c++ -std=c++20" "g++ -x c++ -std=c++17"; do
	set -- $cc
	command -v "$1" >/dev/null 2>&1 || { ok "# skip $1 not installed"; continue; }
	pedantic=-pedantic
	[ "$cc" = "g++ -x c++ -std=c++17" ] && pedantic=   # designated initializers are C++20
	if $cc $pedantic -Wall -Wextra -Werror main.c -o prog 2>cc.err; then
		ok "$cc $pedantic -Wall -Wextra -Werror: compiles"
		compiled=$((compiled+1))
		./prog | jq -cS . > got.ndjson
		if cmp -s got.ndjson want.ndjson; then ok "$cc: values print back equal to the input"; else
			nok "$cc: values print back equal to the input"; diag "$(diff got.ndjson want.ndjson | head -5)"; fi
	else
		nok "$cc: compiles"; diag "$(head -5 cc.err)"
	fi
done
[ "$compiled" -gt 0 ] && ok "at least one compiler ran" || nok "at least one compiler ran"

# the output alone is a translation unit too
cp out.h alone.c
check "cc -std=c99 -pedantic -c output.c" cc -std=c99 -pedantic -Wall -Wextra -Werror -c alone.c -o alone.o
if command -v g++ >/dev/null 2>&1; then
	check "g++ -x c++ -c output.c" g++ -x c++ -std=c++20 -pedantic -Wall -Wextra -Werror -c alone.c -o alone.o
fi

# c-decl + c-value = c; c-decl alone is a header
llm-fmt -S "$S" -T c-decl -n rec > decl.h
llm-fmt -S "$S" -T c-value -n rec in.ndjson > value.inc
is "$(cat decl.h; echo; cat value.inc)" "$(cat out.h)" "c-decl and c-value are the two halves of c"
printf '#include "decl.h"\n#include "decl.h"\nint main(void){return 0;}\n' > h.c
check "c-decl is a guarded header" cc -std=c99 -pedantic -Wall -Wextra -Werror h.c -o h

# --ascii: only ASCII bytes, same values
llm-fmt -S "$S" -T c -n rec --ascii in.ndjson > out.h
# (an empty out.h has no non-ASCII byte, and a failed build would leave the
# last compiler's prog and got.ndjson behind: neither may pass for a result)
is "$(grep -c 'static const struct rec rec_' out.h)" "$n" "--ascii: one value per record"
is "$(LC_ALL=C grep -c '[^ -~	]' out.h)" 0 "--ascii writes only ASCII"
rm -f prog got.ndjson
cc -std=c99 -pedantic -Wall -Wextra -Werror main.c -o prog && ./prog | jq -cS . > got.ndjson
check "--ascii: values print back equal" cmp -s got.ndjson want.ndjson

# NUL: refused by default, escaped with a length on request
printf '%s\n' '{"name":"a\u0000b","tags":[],"n":1,"f":1,"ok":true,"role":"admin","jobs":[]}' > nul.json
run llm-fmt -S "$S" -T c nul.json
is "$rc" 65 "NUL in a string: exit 65"
like "$err" 'nul.json:1: \$\.name: string holds a NUL byte \(use --c-nul escape\)' "NUL: one line naming the path"
run llm-fmt -S "$S" -T c --c-nul escape -n rec nul.json
printf '%s\n' "$out" > out.h
cat > nul.c <<'EOF'
#include <stdio.h>
#include <string.h>
#include "out.h"
int main(void) { const struct rec *r = rec_all[0]; return !(r->name_len == 3 && memcmp(r->name, "a\0b", 3) == 0); }
EOF
check "--c-nul escape: bytes and length survive" sh -c 'cc -std=c99 -pedantic -Wall -Wextra -Werror nul.c -o nul && ./nul'

# names: keywords, odd keys, collisions, type names
run llm-fmt -S '"class", "for" int, "first name", "first-name", "9lives", _Reserved, "日本", x {"if"}' -T c-decl -n "my type"
is "$rc" 0 "odd keys: exit 0"
printf '%s\n' "$out" > odd.h
like "$out" 'const char \*class_;' "C++ keyword gets a trailing _"
like "$out" 'long long for_;' "C keyword gets a trailing _"
like "$out" 'const char \*first_name; /\* "first name" \*/' "renamed key shown in a comment"
like "$out" 'const char \*first_name_2; /\* "first-name" \*/' "collision gets _2"
like "$out" 'const char \*_9lives;' "leading digit gets _"
like "$out" 'const char \*m_Reserved;' "reserved _X name is changed"
like "$out" 'struct my_type \{' "--name is sanitized"
printf '#include "odd.h"\nint main(void){return 0;}\n' > odd.c
check "odd names compile as C" cc -std=c99 -pedantic -Wall -Wextra -Werror odd.c -o odd
command -v g++ >/dev/null 2>&1 && check "odd names compile as C++" g++ -x c++ -std=c++20 -pedantic -Wall -Wextra -Werror odd.c -o odd

# what C cannot express is refused up front
run llm-fmt -S 'm [[int]]' -T c
is "$rc" 2 "arrays of arrays: exit 2"
like "$err" '^llm-fmt: --to c: \$\.m: arrays of arrays have no C form yet$' "arrays of arrays: one line"

done_testing

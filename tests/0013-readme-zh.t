#!/bin/sh
# README.zh-CN.md keeps in step with README.md: the two link to each other,
# every code block of the Chinese README is one of the English README's
# (comments aside, which are translated), the English blocks of the quick
# start, the .env file and the tour of pipelines are all in the Chinese one,
# every llm-* option it names exists in the English one, and the exit
# status tables list the same codes.
. "$(dirname "$0")/lib.sh"

EN="$TOP/README.md"
ZH="$TOP/README.zh-CN.md"

# blocks FILE: one line per code block, "SECTION<TAB>CODE", CODE being the
# block's lines without comments or trailing blanks, joined by " | "
blocks() {
	awk '
	function flush() {
		if (n) print sec "\t" code
		n = 0; code = ""
	}
	function add(l) {
		sub(/(^|[ \t])#.*$/, "", l); sub(/[ \t]+$/, "", l)
		if (l == "") return
		code = n ? code " | " l : l; n++
	}
	/^```/ { if (fence) { fence = 0; flush() } else { flush(); fence = 1 } next }
	fence { add($0); next }
	/^## / && !fence { flush(); sec = substr($0, 4); next }
	/^    / && (prevblank || ind) { ind = 1; l = $0; sub(/^    /, "", l); add(l); prevblank = 0; next }
	{ if (ind) { ind = 0; flush() } prevblank = ($0 ~ /^[ \t]*$/) }
	END { flush() }' "$1"
}

check "README.md links to README.zh-CN.md at the top" sh -c "head -5 '$EN' | grep -q '(README.zh-CN.md)'"
check "README.zh-CN.md links back to README.md" sh -c "head -5 '$ZH' | grep -q '(README.md)'"

blocks "$EN" >"$T/en"
blocks "$ZH" >"$T/zh"
cut -f2 "$T/en" | sort -u >"$T/en.code"
check "the English README has code blocks" [ -s "$T/en.code" ]
nz=$(grep -c . "$T/zh")
check "the Chinese README has code blocks ($nz)" [ "$nz" -ge 3 ]

# every Chinese block is an English one
missing=$(cut -f2 "$T/zh" | sort -u | comm -23 - "$T/en.code")
is "$missing" "" "every code block of README.zh-CN.md is in README.md"

# the English quick start, .env and tour blocks are all in the Chinese README
cut -f2 "$T/zh" | sort -u >"$T/zh.code"
for s in "Quick start" "Keys: the \`.env\` file" "A tour in pipelines"; do
	want=$(awk -F'\t' -v s="$s" '$1 == s' "$T/en" | cut -f2 | sort -u)
	check "README.md has blocks under \"$s\"" [ -n "$want" ]
	lost=$(printf '%s\n' "$want" | comm -23 - "$T/zh.code")
	is "$lost" "" "README.zh-CN.md has every block of \"$s\""
done

# the options it names exist in the English README
opts() { grep -oE -- '--[a-z][a-z-]+' "$1" | sort -u; }
is "$(opts "$ZH" | comm -23 - "$(opts "$EN" >"$T/en.opts"; echo "$T/en.opts")")" "" \
	"every option README.zh-CN.md names is in README.md"

# the exit status tables list the same codes
codes() { awk '/^## (Exit status|退出状态)/ { t = 1; next } /^## / { t = 0 } t && /^\| [0-9]+ \|/ { print $2 }' "$1" | tr '\n' ' '; }
c_en=$(codes "$EN")
check "README.md has an exit status table" [ -n "$c_en" ]
is "$(codes "$ZH")" "$c_en" "the exit status tables list the same codes"
done_testing

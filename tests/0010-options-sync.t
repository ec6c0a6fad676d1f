#!/bin/sh
# 0010-options-sync.t — every long option of every tool's `struct option
# longopts[]` table appears in its --help, its man page and its bash, zsh
# and fish completions; and each man page's SYNOPSIS names the same options
# as the tool's usage lines.
. "$(dirname "$0")/lib.sh"

BS=$(printf '\b')

# longopts FILE.c: the names in the struct option table, one per line,
# with those of the shared pool-option lists it names (bin/tool.h)
longopts() {
	sed -n '/struct option[ 	]*longopts\[\]/,/};/p' "$1" >"$T/table"
	sed -n 's/^[ 	]*{[ 	]*"\([^"]*\)".*/\1/p' "$T/table"
	for _l in $(sed -n 's/^[ 	]*\(TOOL_[A-Z_]*OPTIONS\),$/\1/p' "$T/table"); do
		sed -n "/^#define $_l /,/[^\\]\$/p" "$TOP/bin/tool.h" |
		    sed -n 's/^[ 	]*{[ 	]*"\([^"]*\)".*/\1/p'
	done
}

# render PAGE: plain text of a man page (no overstrike)
render() { mandoc -Tascii -Owidth=300 "$1" 2>/dev/null | sed "s/.$BS//g"; }

# has TEXTFILE PREFIX NAME: PREFIX NAME occurs as a whole word in TEXTFILE
has() {
	grep -Eq -- "(^|[^A-Za-z0-9-])$2$3([^A-Za-z0-9-]|\$)" "$1"
}

# missing TEXTFILE PREFIX NAMES...: the names not found
missing() {
	_f=$1 _p=$2
	shift 2
	_m=
	for _n; do has "$_f" "$_p" "$_n" || _m="$_m $_p$_n"; done
	printf '%s' "${_m# }"
}

# place TOOL WHAT FILE PREFIX NAMES...: one TAP line
place() {
	_t=$1 _w=$2 _f=$3 _p=$4
	shift 4
	if [ ! -f "$_f" ]; then
		nok "$_t: $_w lists every long option"
		diag "no file $_f"
		return
	fi
	_miss=$(missing "$_f" "$_p" "$@")
	if [ -z "$_miss" ]; then
		ok "$_t: $_w lists every long option"
	else
		nok "$_t: $_w lists every long option"
		diag "missing in the $_w: $_miss"
	fi
}

# optset: reads usage/SYNOPSIS text on stdin, prints its options sorted
# ("-x" for each short flag, "--name" for each long one)
optset() {
	tr -s ' []|,\t' '\n\n\n\n\n\n' |
	    sed -n -e 's/^\(--[A-Za-z0-9][A-Za-z0-9-]*\).*/\1/p' \
	    -e '/^-[A-Za-z0-9][A-Za-z0-9]*$/{s/^-//;s/./-&\n/g;s/\n$//;p;}' |
	    sort -u
}

for src in "$TOP"/bin/llm-*.c; do
	[ -f "$src" ] || continue
	tool=$(basename "$src" .c)
	names=$(longopts "$src")
	if [ -z "$names" ]; then
		nok "$tool: a struct option longopts[] table in ${src#"$TOP"/}"
		continue
	fi
	# shellcheck disable=SC2086
	set -- $names

	if [ -x "$MLM_BIN/$tool" ]; then
		"$MLM_BIN/$tool" --help >"$T/help.$tool" 2>&1 </dev/null
		place "$tool" "--help" "$T/help.$tool" -- "$@"
	else
		nok "$tool: --help lists every long option"
		diag "bin/$tool is not built"
	fi

	page="$TOP/man/$tool.1"
	if [ -f "$page" ]; then
		render "$page" >"$T/man.$tool"
		place "$tool" "man page" "$T/man.$tool" -- "$@"
	else
		place "$tool" "man page" "$page" -- "$@"
	fi

	place "$tool" "bash completion" "$TOP/completions/bash/$tool" -- "$@"
	place "$tool" "zsh completion" "$TOP/completions/zsh/_$tool" -- "$@"
	place "$tool" "fish completion" "$TOP/completions/fish/$tool.fish" '-l ' "$@"

	# SYNOPSIS against usage: the same option set
	if [ -f "$page" ] && [ -s "$T/help.$tool" ]; then
		awk '/^usage:/ { u = 1; sub(/^usage: *[^ ]*/, ""); print; next }
		    u && /^        +[^ ]/ { print; next } { u = 0 }' "$T/help.$tool" |
		    optset >"$T/u.$tool"
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' "$T/man.$tool" |
		    sed -e '1d' -e '$d' -e "s/^ *$tool//" | optset >"$T/s.$tool"
		if [ ! -s "$T/u.$tool" ]; then
			nok "$tool: SYNOPSIS matches usage"
			diag "no 'usage:' lines in --help"
		elif cmp -s "$T/u.$tool" "$T/s.$tool"; then
			ok "$tool: SYNOPSIS matches usage"
		else
			nok "$tool: SYNOPSIS matches usage"
			diag "only in usage:    $(comm -23 "$T/u.$tool" "$T/s.$tool" | tr '\n' ' ')"
			diag "only in SYNOPSIS: $(comm -13 "$T/u.$tool" "$T/s.$tool" | tr '\n' ' ')"
		fi
	fi
done

done_testing

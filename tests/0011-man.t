#!/bin/sh
# 0011-man.t — every man page is clean under `mandoc -Tlint -W warning`
# (a reference to a page that is not installed is fine), has the sections
# house style asks for, renders, and draws no troff warning from
# `man --warnings` at 80 columns or `groff -ww -mandoc`.
. "$(dirname "$0")/lib.sh"

if ! command -v mandoc >/dev/null 2>&1; then
	echo "1..0 # SKIP mandoc is not installed"
	exit 0
fi

for page in "$TOP"/man/*.[1-9]; do
	[ -f "$page" ] || continue
	name=${page#"$TOP"/}
	sec=${page##*.}

	mandoc -Tlint -W warning "$page" >"$T/lint" 2>&1
	grep -v 'referenced manual not found' "$T/lint" >"$T/lint.bad"
	if [ -s "$T/lint.bad" ]; then
		nok "$name: mandoc -Tlint -W warning is clean"
		diag "$(cat "$T/lint.bad")"
	else
		ok "$name: mandoc -Tlint -W warning is clean"
	fi

	want="NAME SYNOPSIS DESCRIPTION"
	[ "$sec" = 1 ] && want="$want OPTIONS"
	want="$want ENVIRONMENT FILES"
	[ "$sec" = 1 ] && want="$want EXIT_STATUS"
	want="$want EXAMPLES SEE_ALSO"
	sed -n 's/^\.Sh[ 	]*//p' "$page" | tr ' ' _ >"$T/sections"
	miss=
	for s in $want; do
		grep -qx "$s" "$T/sections" || miss="$miss $(echo "$s" | tr _ ' ')"
	done
	if [ -z "$miss" ]; then
		ok "$name: has the required sections"
	else
		nok "$name: has the required sections"
		diag "missing:$miss"
	fi

	if mandoc -Tutf8 "$page" >"$T/render" 2>"$T/render.err" && [ -s "$T/render" ]; then
		ok "$name: renders with mandoc -Tutf8"
	else
		nok "$name: renders with mandoc -Tutf8"
		diag "$(cat "$T/render.err")"
	fi
	if command -v man >/dev/null 2>&1; then
		if MANWIDTH=80 man -l "$page" >"$T/man.out" 2>"$T/man.err" </dev/null && [ -s "$T/man.out" ]; then
			ok "$name: renders with man -l"
		else
			nok "$name: renders with man -l"
			diag "$(cat "$T/man.err")"
		fi
	fi
	# no troff warnings at a common width (man --warnings is groff -ww)
	if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
		MANWIDTH=80 man --warnings -l "$page" 2>"$T/warn" >/dev/null </dev/null
		groff -ww -mandoc -z "$page" 2>>"$T/warn"
		if [ -s "$T/warn" ]; then
			nok "$name: man and groff -ww print no warnings"
			diag "$(cat "$T/warn")"
		else
			ok "$name: man and groff -ww print no warnings"
		fi
	fi
done

done_testing

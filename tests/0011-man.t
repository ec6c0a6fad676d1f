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

# manyllm(3) documents the whole public API of lib/manyllm.h: each function
# in its SYNOPSIS (same name) and in RETURN VALUES, and its EXAMPLES program
# builds against the in-tree library
page="$TOP/man/manyllm.3"
fns=$(sed -n 's/^[a-z].*[ *]\(manyllm_[a-z0-9_]*\)(.*/\1/p' "$TOP/lib/manyllm.h" | sort -u)
check "manyllm.h declares functions" [ -n "$fns" ]
syn=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh/s/^\.Fn \([a-z0-9_]*\).*/\1/p' "$page" | sort -u)
is "$syn" "$fns" "manyllm.3: SYNOPSIS has every function of manyllm.h, and no other"
rv=$(sed -n '/^\.Sh RETURN VALUES/,/^\.Sh/p' "$page")
miss=
for f in $fns; do
	printf '%s\n' "$rv" | grep -q "^\.Fn $f\( \|$\)" || miss="$miss $f"
done
is "$miss" "" "manyllm.3: RETURN VALUES speaks of every function"
sed -n '/^\.Sh EXAMPLES/,/^\.Sh/p' "$page" | sed -n '/^\.Bd -literal/,/^\.Ed/p' |
    sed -e '1d' -e '$d' -e 's/\\e/\\/g' >"$T/example.c"
check "manyllm.3: EXAMPLES has a program" grep -q '^main(void)' "$T/example.c"
if [ -f "$TOP/lib/libmanyllm.a" ]; then
	LIBS=$(make -s -C "$TOP" -f Makefile -f - print-libs <<'EOF'
print-libs: ; @echo $(LIBS)
EOF
)
	if cc -std=c17 -Wall -Wextra -Werror ${MLM_SAN:-} -I"$TOP/lib" -o "$T/example" "$T/example.c" \
	    "$TOP/lib/libmanyllm.a" $LIBS 2>"$T/cc.err"; then
		ok "manyllm.3: the EXAMPLES program builds with -Wall -Wextra -Werror"
	else
		nok "manyllm.3: the EXAMPLES program builds with -Wall -Wextra -Werror"
		diag "$(cat "$T/cc.err")"
	fi
else
	skip "lib/libmanyllm.a is not built"
fi

done_testing

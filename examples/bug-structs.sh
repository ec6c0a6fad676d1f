#!/bin/sh
# bug-structs.sh — free-text bug reports into C structs, compiled into a
# C program.
#
#   examples/bug-structs.sh [-o DIR] FILE
#
# FILE holds bug reports as people write them, one per paragraph (blank
# lines apart). llm-map asks the pool to read each one into JSON; llm-fmt
# checks every answer against the schema below (the severity must be one of
# the four, the id an integer, ...) and writes DIR/bugs.h: the types
# (struct bug, enum bug_severity) and one initializer per report, with
# bug_all[] and bug_count. examples/bugs.c includes that header, is compiled
# against it with every warning an error, and run: it prints the reports.
# DIR defaults to a temporary directory that is removed afterwards.
set -eu
usage() { echo "usage: bug-structs.sh [-o DIR] FILE" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out=
while getopts o: o; do
	case $o in
	o) out=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/bug-structs.XXXXXX")
	trap 'rm -rf "$out"' EXIT INT TERM
fi
mkdir -p "$out"

schema='id int: the bug number
title: a one-line summary
severity low|medium|high|critical
component?: the part of the program at fault
version?: the version the reporter ran
crash bool: whether the program crashed
steps [str]: the steps to reproduce, in order'

js=$(llm-fmt -S "$schema" -e jsonschema)
sys=$(jq -n --arg s "$js" '"Read the bug report and answer with one JSON object matching this JSON Schema, nothing else:\n\($s)"')

jq -Rsc '[splits("\n[ \t]*(\n[ \t]*)+")]
	| map(sub("^\n+"; "") | sub("\n+$"; ""))
	| map(select(test("\\S")))
	| .[]' "$1" >"$out/reports.ndjson"
[ -s "$out/reports.ndjson" ] || { echo "bug-structs.sh: no report in $1" >&2; exit 1; }

# the header: types, then the values; any answer that does not fit stops it
llm-map -q "{system: $sys, prompt: .}" "$out/reports.ndjson" |
	llm-fmt -S "$schema" --to c -n bug >"$out/bugs.h.tmp"
mv "$out/bugs.h.tmp" "$out/bugs.h"

${CC:-cc} -std=c99 -Wall -Wextra -Werror -I "$out" -o "$out/bugs" "$here/bugs.c"
"$out/bugs"

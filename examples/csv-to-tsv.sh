#!/bin/sh
# csv-to-tsv.sh — clean a messy CSV into typed TSV.
#
#   examples/csv-to-tsv.sh [-s SCHEMA] [-j JOBS] [FILE] > clean.tsv
#
# The first line of FILE (or stdin) is the header. Every other row goes to
# the pool as one llm-map item, with the header, asking for one JSON object
# of the schema: the model untangles quoting, stray spaces, names written
# "Last, First", dates in any format, numbers written in words. llm-fmt then
# finds the JSON in each answer, repairs and coerces it to the schema
# (integers, numbers, ISO dates, enums), and writes TSV with a header line:
# one row per input row, in input order; null is \N. A row whose answer
# does not fit the schema is reported on stderr and left out (exit 1).
set -eu
usage() { echo "usage: csv-to-tsv.sh [-s SCHEMA] [-j JOBS] [FILE]" >&2; exit 2; }
schema='name: the full name as First Last, age int 0..150, city: capitalised, joined date, plan free|pro|team?'
jobs=8
while getopts s:j: o; do
	case $o in
	s) schema=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage

tmp=$(mktemp -d "${TMPDIR:-/tmp}/csv-to-tsv.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cat ${1+"$1"} | tr -d '\r' >"$tmp/in.csv"
header=$(sed -n 1p "$tmp/in.csv")

# the schema in the prompt: the JSON Schema llm-fmt itself will check against
js=$(llm-fmt -S "$schema" -e jsonschema)
sys=$(jq -n --arg s "$js" '"You clean CSV data. Answer with one JSON object matching this JSON Schema, nothing else:\n\($s)"')
head=$(jq -n --arg h "$header" '$h')

# every row as a JSON string (jq -R), so that no row is mistaken for JSON
sed 1d "$tmp/in.csv" | grep -v '^[[:space:]]*$' | jq -R . |
	llm-map -q -j "$jobs" "{system: $sys, prompt: (\"CSV header: \" + $head + \"\nCSV row: \" + .)}" |
	llm-fmt -k -S "$schema" --to tsv -H

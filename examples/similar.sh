#!/bin/sh
# similar.sh [-m MODEL] [-n COUNT] [-d DIMS] DIR QUERY: the COUNT files of
# DIR whose text is nearest QUERY, by the cosine of their embeddings.
# llm-map --embed embeds the query and every file in one run (batched at the
# provider's limit, one model); jq ranks them. Prints "SIMILARITY<TAB>FILE".
set -eu
usage() { echo "usage: similar.sh [-m model] [-n count] [-d dims] dir query" >&2; exit 2; }
model= count=3 dims=
while getopts m:n:d: o; do
	case $o in
	m) model=$OPTARG ;;
	n) count=$OPTARG ;;
	d) dims=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
dir=$1 query=$2
case $count in ''|*[!0-9]*) usage ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/similar.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# one JSON line per text: the query first, then each file
{
	jq -nc --arg q "$query" '{name: "", text: $q}'
	for f in "$dir"/*; do
		[ -f "$f" ] && jq -Rsc --arg n "${f##*/}" '{name: $n, text: .}' "$f"
	done
} >"$tmp/in"
llm-map -q --embed ${model:+-m "$model"} ${dims:+--dimensions "$dims"} --input .text "$tmp/in" \
	>"$tmp/out" || { echo "similar.sh: some texts could not be embedded" >&2; exit 1; }
jq -sr --argjson n "$count" '
	def dot(a; b): [a, b] | transpose | map(.[0] * .[1]) | add;
	def norm(a): dot(a; a) | sqrt;
	.[0].embedding as $q
	| .[1:]
	| map({name: .input.name, s: (dot(.embedding; $q) / (norm(.embedding) * norm($q)))})
	| sort_by(-.s) | .[:$n][]
	| "\(.s * 1000 | round / 1000)\t\(.name)"' "$tmp/out"

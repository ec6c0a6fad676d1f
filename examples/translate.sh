#!/bin/sh
# translate.sh — translate a long document paragraph by paragraph.
#
#   examples/translate.sh [-l LANGUAGE] [-j JOBS] FILE > translated.txt
#
# Paragraphs are separated by blank lines. Each becomes one llm-map item (a
# JSON string, so a paragraph keeps its inner line breaks); the pool
# translates them in parallel, llm-map writes the records in input order,
# and jq joins the answers back with one blank line between paragraphs.
# With JOURNAL=file the records are kept in that file and a second run
# after an interruption only asks for the paragraphs still missing.
# Exit status: 0 when every paragraph was translated, 1 otherwise (the
# failures are listed on stderr and nothing is printed).
set -eu
usage() { echo "usage: translate.sh [-l LANGUAGE] [-j JOBS] FILE" >&2; exit 2; }
lang=French jobs=8
while getopts l:j: o; do
	case $o in
	l) lang=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
file=$1
[ -r "$file" ] || { echo "translate.sh: cannot read $file" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/translate.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
journal=${JOURNAL:-$tmp/records.ndjson}

# one JSON string per paragraph, blank lines (spaces and tabs allowed) apart
jq -Rsc '[splits("\n[ \t]*(\n[ \t]*)+")]
	| map(sub("^\n+"; "") | sub("\n+$"; ""))
	| map(select(test("\\S")))
	| .[]' "$file" >"$tmp/paragraphs.ndjson"

# the system prompt as a jq string literal, whatever the language name holds
sys=$(jq -n --arg l "$lang" '"Translate the text into \($l). Keep its meaning, tone and line breaks. Answer with the translation only."')
set -- -q -j "$jobs"
[ -n "${JOURNAL:-}" ] && set -- "$@" -o "$journal" --resume
if [ -n "${JOURNAL:-}" ]; then
	llm-map "$@" "{prompt: ., system: $sys}" "$tmp/paragraphs.ndjson" || true
else
	llm-map "$@" "{prompt: ., system: $sys}" "$tmp/paragraphs.ndjson" >"$journal" || true
fi

# reassemble: every paragraph answered, in input order, or no output at all
n=$(wc -l <"$tmp/paragraphs.ndjson")
jq -rs --argjson n "$n" '
	(map(select(.ok)) | unique_by(.i)) as $ok
	| if ($ok | length) == $n then $ok | sort_by(.i) | map(.text) | join("\n\n")
	  else ("translate.sh: " + ($n - ($ok | length) | tostring) + " of \($n) paragraphs not translated:\n"
	        + (map(select(.ok | not) | "  paragraph \(.i + 1): \(.error.kind): \(.error.message)") | join("\n")) + "\n")
	       | halt_error(1)
	  end' "$journal"

#!/bin/sh
# classify-logs.sh — label every log line with 8 llm-ask processes at once.
#
#   examples/classify-logs.sh [FILE] > labelled.tsv
#
# Each line of FILE (or stdin) is one question to llm-ask; xargs -P 8 keeps
# eight of them running. The processes share one scheduler state (the SQLite
# file under $XDG_STATE_HOME/many-llm/, or whatever LLM_STATE names, such as
# redis://host:6379/0 for several machines): a key that one of them finds
# rate-limited, exhausted or revoked is skipped by all the others, and the
# per-minute limits are counted once for all of them. The output is one line
# per input line, in input order: LABEL <tab> LINE, where LABEL is one of
# error, warning, info, debug (the first word of the answer, lower-cased,
# punctuation dropped), or FAILED when no entry could answer (exit 1).
set -eu
jobs=${JOBS:-8}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/classify-logs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

export CLASSIFY_SYSTEM='Classify the log line. Answer with exactly one word: error, warning, info or debug.'
# number the lines (the answers come back in any order), one NUL-ended
# argument each, so quotes and backslashes in a line reach llm-ask intact
cat ${1+"$1"} | awk '{ printf "%d\t%s\n", NR, $0 }' | tr '\n' '\0' |
	xargs -0 -P "$jobs" -n 1 sh -c '
		n=${1%%"	"*} line=${1#*"	"}
		if a=$(llm-ask --no-stream -s "$CLASSIFY_SYSTEM" "$line" </dev/null); then
			label=$(printf "%s\n" "$a" | awk "{ for (i = 1; i <= NF; i++) {
				w = tolower(\$i); gsub(/[^a-z]/, \"\", w); if (w != \"\") { print w; exit } } }")
		else
			label=FAILED
		fi
		# one short line, one write: lines of parallel jobs never mix
		printf "%s\t%s\t%s\n" "$n" "${label:-FAILED}" "$line"
	' sh >"$tmp/out" || true
sort -t "	" -k1,1n "$tmp/out" | cut -f 2-
! cut -f 2 "$tmp/out" | grep -qx FAILED

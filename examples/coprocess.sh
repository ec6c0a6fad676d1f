#!/bin/sh
# coprocess.sh — a shell program with llm-map beside it as a coprocess:
# each question is written to it, its record read back, and the next
# question built from that answer.
#
#   examples/coprocess.sh [-n ROUNDS] TOPIC
#
# llm-map runs once for the whole session, reading requests from one fifo
# and writing records to another (POSIX sh has no coproc, so two named pipes
# stand in). It flushes each record as soon as its item is done (-u: without
# waiting for earlier ones), so the script can read the answer, make the
# follow-up question out of it, and write that: one pool, one scheduler
# state, no process started per question. Prints "Q: ..." and "A: ... [entry]"
# for each round. Exit status 1 when a question could not be answered.
set -eu
usage() { echo "usage: coprocess.sh [-n ROUNDS] TOPIC" >&2; exit 2; }
rounds=3
while getopts n: o; do
	case $o in
	n) rounds=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
topic=$*

dir=$(mktemp -d "${TMPDIR:-/tmp}/coprocess.XXXXXX")
pid=
cleanup() {
	exec 3>&- 4<&- 2>/dev/null || :
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkfifo "$dir/in" "$dir/out"

# the coprocess: requests in on $dir/in, records out on $dir/out
llm-map -u -q . <"$dir/in" >"$dir/out" &
pid=$!
exec 3>"$dir/in" 4<"$dir/out"   # in this order: the opens pair with llm-map's

# ask TEXT: one request out, one record back; sets $answer and $entry
ask() {
	jq -cn --arg q "$1" '{prompt: $q, system: "Answer in one or two sentences."}' >&3
	IFS= read -r rec <&4 || { echo "coprocess.sh: llm-map ended" >&2; exit 1; }
	if [ "$(printf '%s\n' "$rec" | jq -r .ok)" != true ]; then
		printf '%s\n' "$rec" | jq -r '"coprocess.sh: \(.error.kind): \(.error.message)"' >&2
		exit 1
	fi
	answer=$(printf '%s\n' "$rec" | jq -r .text)
	entry=$(printf '%s\n' "$rec" | jq -r .entry)
}

q="What is the single most important idea in $topic?"
i=1
while :; do
	ask "$q"
	printf 'Q: %s\nA: %s [%s]\n' "$q" "$answer" "$entry"
	[ "$i" -ge "$rounds" ] && break
	i=$((i + 1))
	# the follow-up depends on what was answered
	q="You said: \"$answer\" Why does that matter? Give one concrete example."
done

# end of input: llm-map finishes and exits 0
exec 3>&-
wait "$pid"
pid=

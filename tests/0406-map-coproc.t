#!/bin/sh
# llm-map as a coprocess: write one line, read its answer, write the next.
# Each line is handled as soon as it arrives and its record flushed at once,
# with the input left open (a fifo pair, POSIX sh).
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_API_KEY=good1 OPENAI_MODELS=m1

# coproc NAME ARGS...: llm-map ARGS on fifos; fd 3 writes to it, fd 4 reads
coproc_start() {
	rm -f in.fifo out.fifo
	mkfifo in.fifo out.fifo
	llm-map "$@" <in.fifo >out.fifo 2>coproc.err &
	CPID=$!
	# a watchdog: a hung coprocess fails the test instead of hanging it
	(
		exec >/dev/null 2>&1
		n=0
		while [ $n -lt 200 ] && kill -0 $CPID; do sleep 0.1; n=$((n + 1)); done
		kill $CPID
	) &
	WPID=$!
	_pids="$_pids $CPID $WPID"
	exec 3>in.fifo 4<out.fifo
}
coproc_end() {
	exec 3>&-
	wait $CPID
	CRC=$?
	exec 4<&-
	kill $WPID 2>/dev/null
}

for mode in -u ordered --text; do
	case $mode in ordered) set -- -q ;; *) set -- -q "$mode" ;; esac
	: >"$SIM_LOG"
	coproc_start "$@" .
	good=0 seen=""
	for w in alpha beta gamma delta epsilon; do
		echo "$w" >&3
		if ! IFS= read -r ans <&4; then
			break
		fi
		# the answer came back before the next line was written
		case $mode in
		--text) [ "$ans" = "echo: $w" ] && good=$((good + 1)) ;;
		*) [ "$(printf '%s\n' "$ans" | jq -r .text)" = "echo: $w" ] && good=$((good + 1)) ;;
		esac
		seen="$seen$(wc -l <"$SIM_LOG" | tr -d ' ')"
	done
	coproc_end
	is "$good" 5 "coproc $mode: five lines, five answers, one at a time"
	is "$seen" 12345 "coproc $mode: one request per line written, as it came"
	is "$CRC" 0 "coproc $mode: exit 0 at end of input"
	is "$(cat coproc.err)" "" "coproc $mode: -q, nothing on stderr"
done

# a record is flushed as soon as it is done even while a slow one is pending (-u)
cat >pool.ndjson <<EOF
{"provider":"openai","model":"fast","base_url":"$SIM/v1","key":"f1"}
{"provider":"openai","model":"slow","base_url":"$SIM/v1","key":"s1+slow=1000"}
EOF
coproc_start -q -u --pool pool.ndjson '{prompt: ., model: (if . == "wait" then "slow" else "fast" end)}'
echo wait >&3
echo quick >&3
IFS= read -r ans <&4
is "$(printf '%s\n' "$ans" | jq -r .text)" "echo: quick" "coproc -u: the fast answer comes first, while the slow one is pending"
IFS= read -r ans <&4
is "$(printf '%s\n' "$ans" | jq -r .text)" "echo: wait" "coproc -u: then the slow one"
coproc_end
is "$CRC" 0 "coproc -u: exit 0"

done_testing

#!/bin/sh
# llm-map reads input in bounded chunks: a 300 MB line (or 300 MB with no
# newline at all) is refused as bad_input with one "FILE:N" line, skipped
# to its newline without being kept (the process stays small), and the
# next line is still answered; CR LF line ends are one rule.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_API_KEY=good1 OPENAI_MODELS=m1 LLM_STATE=memory
# big: 300 MB of "a", no newline
printf '#!/bin/sh\nhead -c 300000000 /dev/zero | tr "\\000" a\n' >big
chmod +x big
# hwm_run GEN ARG...: runs "llm-map -o hwm.ndjson ARG..." reading the fifo
# "in" that GEN's output goes to; the writer keeps it open until $want
# records are in the journal and the peak RSS (VmHWM, KiB) is read into
# $hwm from /proc while llm-map is still alive; then sets $out (the
# journal), $err and $rc.
mkfifo in
hwm_run() {
	gen=$1
	shift
	rm -f hwm.ndjson
	llm-map -o hwm.ndjson "$@" <in >"$T/.out" 2>"$T/.err" &
	mpid=$!
	rm -f hwm.done
	{ sh -c "$gen"; while [ ! -e hwm.done ]; do sleep 0.05; done; } >in &
	gpid=$!
	for _w in $(seq 1 500); do
		[ "$(cat hwm.ndjson 2>/dev/null | grep -c .)" -ge "$want" ] && break
		sleep 0.02
	done
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$mpid/status)
	: >hwm.done     # the writer ends: llm-map sees the end of its input
	wait $mpid
	rc=$?
	wait $gpid 2>/dev/null
	out=$(cat hwm.ndjson)
	err=$(cat "$T/.err")
}
# KiB: well under the line's 300 MB (the old reader kept it whole)
rss_ok() { test "${hwm:-999999}" -lt 150000; }

# ---- a 300 MB line, then a short one
want=2
hwm_run "./big; printf '\\nnext\\n'" -q .
is "$rc" 1 "300 MB line: exit 1"
is "$(printf '%s\n' "$out" | jq -c '[.i, .ok, .error.kind // .text]' | sort)" '[0,false,"bad_input"]
[1,true,"echo: next"]' "300 MB line: one bad_input record, then the next line answered"
is "$(printf '%s\n' "$out" | jq -r 'select(.i == 0) | .error.message')" \
	"line longer than 1048576 bytes (300000000)" "300 MB line: the record says why, with its length"
is "$err" "llm-map: <stdin>:1: line longer than 1048576 bytes (300000000)" "300 MB line: one stderr line, FILE:N"
check "300 MB line: peak RSS ${hwm:-?} KiB, not the line's size" rss_ok
is "$(jq -r '.body.messages[-1].content' "$SIM_LOG")" next "300 MB line: only the next line was sent"

# ---- 300 MB and no newline at all (the record comes at the end of input)
run sh -c "./big | llm-map -q --max-line 4096 ."
is "$rc" 69 "no newline at all: nothing answered, exit 69"
is "$(printf '%s\n' "$out" | jq -c '[.i, .error.kind, .error.message]')" \
	'[0,"bad_input","line longer than 4096 bytes (300000000)"]' "no newline at all: one bad_input record"
want=1
hwm_run "./big; printf '\\n'" -q --max-line 4096 .
check "300 MB before the first newline: peak RSS ${hwm:-?} KiB" rss_ok

# ---- from a file: CR LF ends a line (its CR is not counted against
# --max-line), a lone CR is text
printf 'one\r\ntwo\r\r\n%s\r\n%s1\r\nthree' "$(printf '%0100d' 0 | tr 0 x)" "$(printf '%0100d' 0 | tr 0 x)" >crlf.txt
: >"$SIM_LOG"
run llm-map -j 1 --max-line 100 . crlf.txt
is "$rc" 1 "CR LF file: exit 1 (one line too long)"
X100=$(printf '%0100d' 0 | tr 0 x)
is "$(jq -c '.body.messages[-1].content' "$SIM_LOG" | tr '\n' ' ')" "\"one\" \"two\\r\" \"$X100\" \"three\" " \
	"CR LF: the CR of CR LF is the line end, another CR is text"
is "$(printf '%s\n' "$err" | grep -v ' done (')" "llm-map: crlf.txt:4: line longer than 100 bytes (101)" \
	"--max-line 100: 100 bytes and CR LF taken, 101 refused, FILE:N"
done_testing

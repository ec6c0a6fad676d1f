#!/bin/sh
# llm-map's journal (-o) belongs to one run: a second run on it, with or
# without --resume, is refused (exit 75, one line naming the file) and sends
# nothing, while the first one ends with every record; the rewrite of
# --resume goes through an exclusive temporary that a planted link cannot
# redirect; journals and --log files are private (0600) whatever the
# umask; a write that fails part way (a file size limit) leaves only whole
# records, says so, and --resume finishes.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_MODELS=m1 LLM_STATE=memory
nlines() { wc -l <"$1" | tr -d ' '; }
sent() { wc -l <"$SIM_LOG" | tr -d ' '; }
# wait_sent N: until the simulator has received N requests (5 s at most)
wait_sent() { for _w in $(seq 1 250); do [ "$(sent)" -ge "$1" ] && return; sleep 0.02; done; }
whole() { jq -c . "$1" 2>/dev/null | wc -l | tr -d ' '; }

# ---- two runs on one new journal: the second is refused, sends nothing
export OPENAI_API_KEY='k1+slow=1500'
printf 'a\nb\n' >in.txt
: >"$SIM_LOG"
llm-map -q -o j.ndjson . in.txt >a.out 2>a.err &
apid=$!
wait_sent 2
run llm-map -q -o j.ndjson . in.txt
is "$rc" 75 "second run, no --resume, while the first runs: exit 75"
is "$err" "llm-map: j.ndjson: in use by another run (locked)" "second run: one line naming the file"
run llm-map -q -o j.ndjson --resume . in.txt
is "$rc" 75 "second run with --resume, while the first runs: exit 75"
is "$err" "llm-map: j.ndjson: in use by another run (locked)" "second run with --resume: the same line"
wait $apid
is "$?" 0 "the first run: exit 0"
is "$(cat a.err)" "" "the first run: nothing on stderr"
is "$(sent)" 2 "only the first run's two requests were sent"
is "$(jq -r '[.i, .text] | map(tostring) | join(" ")' j.ndjson | sort)" "0 echo: a
1 echo: b" "the journal: one record per input"
# once it is done, the journal is free again
run llm-map -q -o j.ndjson --resume . in.txt
is "$rc" 0 "after the first run: --resume works"
run llm-map -q -o j.ndjson . in.txt
is "$rc" 2 "after the first run: the existing journal without --resume is still exit 2"

# ---- a --resume run that rewrites the journal keeps it: a second --resume
# run cannot append to the file it replaced
export OPENAI_API_KEY='k1+slow=100'
seq 300 >in300.txt
seq 150 >in150.txt
run llm-map -q -j 16 -o r.ndjson . in150.txt
is "$rc" 0 "150 records first"
: >"$SIM_LOG"
llm-map -q -j 4 -o r.ndjson --resume . in300.txt >a.out 2>a.err &
apid=$!
wait_sent 4
run llm-map -q -j 16 -o r.ndjson --resume . in300.txt
is "$rc" 75 "a second --resume while the first rewrites and runs: exit 75"
run llm-map -q -j 16 -o r.ndjson . in300.txt
is "$rc $err" "75 llm-map: r.ndjson: in use by another run (locked)" \
	"a second run without --resume on the journal in use (not empty): exit 75 too"
wait $apid
is "$?" 0 "the first --resume: exit 0"
is "$(nlines r.ndjson) $(whole r.ndjson)" "300 300" "the journal: 300 whole records"
is "$(jq -r .i r.ndjson | sort -n | uniq | wc -l | tr -d ' ')" 300 "the journal: every input once"
is "$(sent)" 150 "only the 150 missing inputs were sent"

# ---- the rewrite's temporary is exclusive: a planted link is not followed
echo precious >victim.txt
: >"$SIM_LOG"
run sh -c 'ln -s victim.txt r.ndjson.tmp.$$ && exec llm-map -q -o r.ndjson --resume . in300.txt'
is "$rc" 0 "a link planted at the temporary's name: exit 0"
check "the link's target is untouched" test "$(cat victim.txt)" = precious
check "the journal is a regular file, not the link" test -f r.ndjson -a ! -h r.ndjson
is "$(nlines r.ndjson) $(whole r.ndjson)" "300 300" "the journal still holds its 300 records"
is "$(sent)" 0 "nothing sent"

# ---- modes: journals and --log files are 0600 whatever the umask
mode() { stat -c %a "$1"; }
run sh -c 'umask 022; exec llm-map -q -o m.ndjson --log m.log . in.txt'
is "$rc" 0 "umask 022: exit 0"
is "$(mode m.ndjson)" 600 "a new journal is 0600"
is "$(mode m.log)" 600 "a new --log file is 0600"
check "the log has attempts" test -s m.log
run sh -c 'umask 022; exec llm-map -q -o m.ndjson --resume . in.txt'
is "$(mode m.ndjson)" 600 "a rewritten journal is 0600"

# ---- a write that fails part way (a file size limit): no torn record
export OPENAI_API_KEY='k1'
seq 2000 >in2k.txt
# 64 blocks (of 512 bytes in dash, 1024 in bash): room for a few hundred
# of the 2000 records; SIGXFSZ ignored, so the write fails with EFBIG
run sh -c "trap '' XFSZ; ulimit -f 64; exec llm-map -q -o full.ndjson . in2k.txt"
is "$rc" 1 "file size limit: exit 1"
like "$err" '^llm-map: full.ndjson: write error: File too large; the journal holds whole records; --resume redoes the rest$' \
	"file size limit: one line, truthful"
is "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 1 "file size limit: only that line"
check "file size limit: the journal was cut short" test "$(nlines full.ndjson)" -lt 2000
is "$(tail -c 1 full.ndjson | od -An -c | tr -d ' ')" '\n' "file size limit: the journal ends with a newline"
is "$(whole full.ndjson)" "$(nlines full.ndjson)" "file size limit: every line is a whole record"
run llm-map -q -o full.ndjson --resume . in2k.txt
is "$rc" 0 "--resume after it: exit 0"
is "$(nlines full.ndjson) $(whole full.ndjson)" "2000 2000" "--resume after it: 2000 whole records"
is "$(jq -r .i full.ndjson | sort -n | uniq | wc -l | tr -d ' ')" 2000 "--resume after it: every input once"

done_testing

#!/bin/sh
# llm-map writes its records to a pipe in batches, once a turn of its
# loop, not once a record: a reader of the pipe still gets each record
# before llm-map waits for more input or more answers (ordered, -u and
# --text), and 200 fast answers go out in far fewer than 200 write(2)s.
. "$(dirname "$0")/lib.sh"

start_sim
sim_env
export OPENAI_MODELS=m1 OPENAI_API_KEY_1=k1

# ---- input through a FIFO: one line given, its record must come out while
# llm-map still waits for the next line (nothing else can be in flight)
mkfifo in.fifo out.fifo
feed() { # feed NAME FLAG...: two lines one at a time, each record read before the next line
	name=$1; shift
	n0=$(nlog)
	llm-map -q "$@" . <in.fifo >out.fifo 2>err.$name &
	pid=$!
	exec 4>in.fifo 3<out.fifo
	# a held record would block the reads below: end llm-map after 20 s
	# (not holding the FIFOs open: llm-map must see its input end)
	sh -c 'sleep 20; kill "$1" 2>/dev/null' killer "$pid" >/dev/null 2>&1 3<&- 4>&- &
	killer=$!
	( echo one >&4 ) 2>/dev/null    # (a subshell: a dead llm-map must not end the test)
	r1=; IFS= read -r r1 <&3
	sent1=$(( $(nlog) - n0 ))
	kill -0 "$pid" 2>/dev/null && alive1=yes || alive1=no
	( echo two >&4 ) 2>/dev/null
	r2=; IFS= read -r r2 <&3
	sent2=$(( $(nlog) - n0 ))
	exec 4>&-
	rest=$(cat <&3)
	exec 3<&-
	wait "$pid"; rc=$?
	kill "$killer" 2>/dev/null; wait "$killer" 2>/dev/null
	is "$rc" 0 "$name: exit 0"
	is "$alive1 $sent1" "yes 1" "$name: the first record is read while llm-map waits for its second line (1 request sent)"
	is "$sent2" 2 "$name: the second record is read before the input ends (2 requests sent)"
	is "$rest" "" "$name: nothing after the two records"
	is "$(cat err.$name)" "" "$name: nothing on stderr"
}
feed ordered -j 4
is "$(printf '%s\n' "$r1" | jq -c '[.i, .text]') $(printf '%s\n' "$r2" | jq -c '[.i, .text]')" \
	'[0,"echo: one"] [1,"echo: two"]' "ordered: the records in input order"
feed unordered -u -j 4
is "$(printf '%s\n' "$r1" | jq -c '[.i, .text]') $(printf '%s\n' "$r2" | jq -c '[.i, .text]')" \
	'[0,"echo: one"] [1,"echo: two"]' "-u: the records"
feed text --text -j 4
is "$r1 | $r2" "echo: one | echo: two" "--text: the answers"

# ---- answers that trickle in (-j 1, 1 s each): the first record is read
# when at most the second request can have been sent, never the third
export OPENAI_API_KEY_1='k1+slow=1000'
n0=$(nlog)
printf 'a\nb\nc\n' >abc.txt
llm-map -q -j 1 . abc.txt 2>err.slow | {
	IFS= read -r first
	echo "$(( $(nlog) - n0 )) $first"
	cat
} >out.slow
read -r sent first <out.slow
check "-j 1: the first record is read before the third request is sent ($sent sent)" test "$sent" -le 2
is "$(printf '%s\n' "$first" | jq -r .text)" "echo: a" "-j 1: the first record is the first answer"
is "$(sed 1d out.slow | jq -r .text | tr '\n' ' ')" "echo: b echo: c " "-j 1: then the others, in order"
export OPENAI_API_KEY_1=k1

# ---- 200 fast answers into a pipe: batched write(2)s
if ! command -v strace >/dev/null; then
	skip "no strace: the write(2) count is not checked"
	skip "no strace: the write(2) count of -u is not checked"
elif ! strace -o /dev/null true 2>/dev/null; then
	skip "strace cannot trace here (no ptrace)"
	skip "strace cannot trace here (no ptrace)"
else
	seq 200 >in200.txt
	for u in ordered -u; do
		f=; [ "$u" = -u ] && f=-u
		strace -f -e trace=write -o st.$u llm-map -q $f -j 64 . in200.txt 2>err.$u | cat >out.$u
		n=$(grep -c 'write(1,' st.$u)
		is "$(jq -r .text out.$u | sort | uniq | wc -l | tr -d ' ') $(jq -r 'select(.ok) | .i' out.$u | wc -l | tr -d ' ')" \
			"200 200" "$u: 200 records through the pipe, all answered"
		check "$u: 200 records in far fewer write(2)s ($n, at most 50)" test "$n" -ge 1 -a "$n" -le 50
	done
	is "$(jq -r .i out.ordered | tr '\n' ' ')" "$(seq 0 199 | tr '\n' ' ')" "ordered: input order"
fi

done_testing

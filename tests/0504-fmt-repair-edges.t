#!/bin/sh
# llm-fmt at the edges of its repair tiers and of TSV: a missing comma is an
# aggressive repair (refused under the default safe tier, named in the
# error); a leading zero ("01", "012") is a non-JSON number that only a
# repair reads; a ~~~ fence marks the answer as a ``` fence does; a double
# quote is an ordinary character in a TSV cell.
. "$(dirname "$0")/lib.sh"

S='a int, b int'
run sh -c "printf '{\"a\":1 \"b\":2}' | llm-fmt -w -S '$S'"
is "$rc" 65 "a missing comma, default tier (safe): exit 65"
like "$err" "expected ',' or '}'" "a missing comma, safe: says where"
run sh -c "printf '{\"a\":1 \"b\":2}' | llm-fmt -w -S '$S' -r aggressive"
is "$rc:$out" '0:{"a":1,"b":2}' "a missing comma, -r aggressive: repaired"

for nv in 01:1 012:12 00:0; do
	n=${nv%:*} v=${nv#*:}
	run sh -c "printf '{\"a\":$n}' | llm-fmt -w -S 'a int' -r none"
	is "$rc" 65 "leading zero $n, -r none: exit 65"
	like "$err" 'number_format needs --repair safe' "leading zero $n, -r none: the repair named"
	run sh -c "printf '{\"a\":$n}' | llm-fmt -w -S 'a int'"
	is "$rc:$out" "0:{\"a\":$v}" "leading zero $n, -r safe: read as $v"
done
run sh -c "printf '{\"a\":0}' | llm-fmt -w -S 'a int' -r none"
is "$rc:$out" '0:{"a":0}' "a lone 0 is plain JSON"

for f in '~~~' '```'; do
	run sh -c "printf 'Like {\"a\":2 \"b\":3}, or:\n${f}json\n{\"a\":1,\"b\":1}\n${f}\n' | llm-fmt -w -S '$S'"
	is "$rc:$out" '0:{"a":1,"b":1}' "a $f json fence: its content is the answer"
	run sh -c "printf '${f}\n{\"a\":5,\"b\":6}\n${f}\n' | llm-fmt -w -S '$S' -v"
	is "$rc:$out" '0:{"a":5,"b":6}' "a bare $f fence: its content"
	# a value cut short inside the fence is closed at the fence's end
	run sh -c "printf 'Here:\n${f}json\n{\"a\":1,\"b\":2\n${f}\nThat is all.\n' | llm-fmt -w -S '$S'"
	is "$rc:$out" '0:{"a":1,"b":2}' "a $f fence around a value cut short: closed at the fence"
	like "$err" 'repair truncated' "a $f fence around a value cut short: the repair named"
done

run sh -c "printf '{\"a\":\"x\\\\\"y\\\\tz\",\"b\":\"\\\\\"\"}' | llm-fmt -w -S 'a str, b str' -T tsv"
is "$out" "$(printf 'x"y\\tz\t"')" "TSV: a double quote is kept as is, a tab escaped"
done_testing

#!/bin/sh
# llm-fmt reads its inputs with the one record reader: CR LF ends a line
# as LF does, positions are FILE:LINE counted over every line, a line past
# 16 MiB is a failed record (the lines after it still read), an input read
# as one text keeps every byte (a CR before a LF too) up to 64 MiB, and an
# input that cannot be opened is named.
. "$(dirname "$0")/lib.sh"

# one text per line, CR LF ends: the CR is no part of the text
printf '{"name":"a","age":1}\r\n\r\n{"name":"b","age":"old"}\r\n{"name":"c","age":3}\r\n' >crlf.txt
run llm-fmt -k -S 'name, age int' crlf.txt
is "$rc" 1 "CR LF lines: one bad record, exit 1"
is "$out" '{"name":"a","age":1}
{"i":1,"ok":false,"error":{"kind":"invalid_output","message":"$.age: expected integer, got \"old\" (string)"}}
{"name":"c","age":3}' "CR LF lines: each line one text, no CR left"
is "$err" "" "CR LF lines: -k with JSON out says it in the records"
run llm-fmt -S 'name, age int' -T tsv crlf.txt
is "$rc" 65 "CR LF lines, no -k: exit 65"
is "$err" 'llm-fmt: crlf.txt:3: $.age: expected integer, got "old" (string)' \
	"the position counts the empty line and the CR LF ends: crlf.txt:3"

# one text: a CR before a LF inside a string stays (a raw control
# character kept by the safe repairs), read whole or found so
printf '{"a":\r\n"x\r\ny"}\r\n' >whole.txt
run llm-fmt -S 'a' whole.txt
is "$rc" 0 "one text (first line holds no value): exit 0"
is "$out" '{"a":"x\r\ny"}' "one text: the CR before the LF inside the string is kept"
run llm-fmt -w -S 'a' whole.txt
is "$out" '{"a":"x\r\ny"}' "-w: the same bytes"
printf '{"a":"x\r\ny"}' | { run llm-fmt -w -S a; }
is "$out" '{"a":"x\r\ny"}' "-w from standard input, no LF at the end"

# a line past 16 MiB: a failed record naming FILE:LINE, then the next line
{ printf '{"name":"a","age":1}\n{"name":"'; head -c 17000000 /dev/zero | tr '\0' x; printf '","age":2}\n{"name":"c","age":3}\n'; } >long.txt
run llm-fmt -S 'name, age int' -T tsv -k long.txt
is "$rc" 1 "a line past 16 MiB: exit 1 with -k"
is "$out" "a	1
c	3" "a line past 16 MiB: the lines around it are read"
is "$err" "llm-fmt: long.txt:2: line longer than 16 MiB" "a line past 16 MiB: named with FILE:LINE"
run llm-fmt -S 'name, age int' -T tsv long.txt
is "$rc" 65 "a line past 16 MiB without -k: exit 65"

# one text past 64 MiB
{ printf '{"name":\n"'; head -c 67200000 /dev/zero | tr '\0' x; printf '"}\n'; } >big.txt
run llm-fmt -S name big.txt
is "$rc" 65 "one text past 64 MiB: exit 65"
is "$err" "llm-fmt: big.txt: input larger than 64 MiB" "one text past 64 MiB: said"
rm -f big.txt long.txt

# inputs that cannot be opened; "-" is standard input among files
printf '{"name":"s","age":5}\n' >one.txt
run sh -c 'printf "%s\n" "{\"name\":\"i\",\"age\":4}" | llm-fmt -k -S "name, age int" -T tsv nope.txt - one.txt'
is "$rc" 1 "a missing input with -k: exit 1"
is "$out" "i	4
s	5" "a missing input with -k: the others are read, '-' is standard input"
is "$err" "llm-fmt: nope.txt: No such file or directory" "a missing input: named, with the reason"
run llm-fmt -S 'name, age int' nope.txt one.txt
is "$rc" 65 "a missing input without -k: exit 65"
is "$out" "" "a missing input without -k: nothing after it is read"
done_testing

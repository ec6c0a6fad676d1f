#!/bin/sh
# The mutation check's list (tests/mutate/mutants) stays in step with the
# code: it parses, its ids are unique, every mutant's original text occurs
# exactly once in its file and its tests exist. And the list reader itself:
# selection by id and glob, applying a mutant, refusing a text found twice.
. "$(dirname "$0")/lib.sh"
M="$TOP/tests/mutate/mutants.pl"

# one TAP line per mutant, passed through under a prefix
perl "$M" check "$TOP/tests/mutate/mutants" "$TOP" >check.out 2>check.err
is "$?" 0 "mutants.pl check ran"
[ -s check.err ] && diag "$(cat check.err)"
while IFS= read -r line; do
	case $line in
	ok\ *) ok "list: ${line#ok * - }" ;;
	not\ ok\ *) nok "list: ${line#not ok * - }" ;;
	\#*) diag "${line#\# }" ;;
	esac
done <check.out
n=$(perl "$M" list "$TOP/tests/mutate/mutants" | grep -c .)
check "at least 80 mutants ($n)" [ "$n" -ge 80 ]
for f in lib/sched.c lib/classify.c lib/engine.c lib/adapter- lib/sse.c lib/env.c lib/state- \
    bin/llm-map.c lib/util.c lib/fmt-repair.c lib/fmt-validate.c lib/fmt-emit bin/llm-serve.c; do
	c=$(perl "$M" list "$TOP/tests/mutate/mutants" | cut -f2 | grep -c "^$f")
	check "mutants in $f ($c)" [ "$c" -ge 1 ]
done

# the reader on a small list of its own
mkdir -p tree/src
printf 'int a = 1;\nint b = 2;\nint c = 2;\n' >tree/src/x.c
cat >small <<'EOF'
# a comment
id: one
file: src/x.c
from: int a = 1;
to: int a = 0;
tests: tests/none.t

id: twice
file: src/x.c
from: = 2;
to: = 3;
tests: tests/none.t

id: two-lines
file: src/x.c
from: int b = 2;
from+: int c
to: int b = 2; int c
tests: tests/none.t
equivalent: only joins two lines
EOF
run perl "$M" list small
is "$(printf '%s\n' "$out" | cut -f1 | tr '\n' ' ')" "one twice two-lines " "list: every id, in order"
is "$(printf '%s\n' "$out" | sed -n 3p | cut -f4)" "only joins two lines" "list: the equivalent reason"
run perl "$M" list small 'tw*'
is "$(printf '%s\n' "$out" | cut -f1 | tr '\n' ' ')" "twice two-lines " "list: a glob selects"
run perl "$M" list small 'one,two-lines'
is "$(printf '%s\n' "$out" | cut -f1 | tr '\n' ' ')" "one two-lines " "list: ids separated by commas"
cp -r tree t1
run perl "$M" apply small one t1
is "$rc" 0 "apply: exit 0"
is "$(cat t1/src/x.c)" "$(printf 'int a = 0;\nint b = 2;\nint c = 2;')" "apply: the text replaced"
cp -r tree t2
run perl "$M" apply small twice t2
is "$rc" 3 "apply: a text found twice is not applicable (exit 3)"
like "$err" "found 2 times" "apply: says how often it was found"
is "$(cat t2/src/x.c)" "$(cat tree/src/x.c)" "apply: the file is left alone"
cp -r tree t3
run perl "$M" apply small two-lines t3
is "$(cat t3/src/x.c)" "$(printf 'int a = 1;\nint b = 2; int c = 2;')" "apply: a two-line text"
run perl "$M" check small tree
like "$out" "not ok 3 - twice" "check: a text found twice fails"
like "$out" "no test tests/none.t" "check: a missing test file fails"
printf 'id: x\nfile: a.c\nfrom: a\ntests: t\nbogus line\n' >bad
run perl "$M" list bad
is "$rc" 65 "a malformed list: exit 65"
like "$err" "bad:1: mutant x has no 'to'" "a malformed list: the missing key named"
like "$err" "bad:5: not a 'key: value' line" "a malformed list: the bad line named"
done_testing

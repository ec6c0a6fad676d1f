#!/bin/sh
# tests/mutate/run.sh — the project's mutation check (`make mutate`).
#
# Why a script and not a tool: Debian packages no mutation tester for C
# (`apt-cache search mutation` finds none; Mull is not packaged and needs a
# clang built with its plugin, while this project builds with cc/gcc and
# plain make). A curated list suits the goal better anyway: each mutant is a
# one-line bug a developer could plausibly make, named with the tests that
# should catch it, so a run takes minutes, not hours, and a survivor is a
# specific missing test rather than noise.
#
# For each mutant of tests/mutate/mutants: a scratch copy of the tree gets the
# exact replacement (text not found exactly once: "not applicable"), is
# rebuilt incrementally (make all plus the unit tests named), and its tests
# run one file at a time with prove under a time limit. A mutant is killed
# when a test fails (twice: once more to confirm, unless MUTATE_CONFIRM=0),
# survived when all pass, timed out when a test only hit
# its time limit, build failed when it does not compile (not counted as
# killed). Mutants marked equivalent are skipped. The score is
# killed / (killed + survived + timed out). Exit 1 when the score is under
# MUTATE_MIN or a mutant does not apply or compile (the list needs fixing).
#
# Environment:
#   MUTANTS=ID,GLOB...   run only these ids (shell globs over ids: sched-*)
#   MUTATE_JOBS=N        scratch trees working side by side (default 1)
#   MUTATE_TIMEOUT=S     seconds per test file (default 120)
#   MUTATE_DIR=DIR       scratch directory (default a new one under $TMPDIR,
#                        removed at the end unless MUTATE_KEEP=1)
#   MUTATE_MIN=P         exit 1 when the score is under P percent (default 90)
#   MUTATE_BASELINE=0    skip the check that the tests pass unmutated
#   MUTATE_CONFIRM=0     count a kill on the first failure (default: the
#                        failing test must fail a second time)
#   MAKE                 the make to run (default make)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
LIST=${MUTATE_LIST:-$TOP/tests/mutate/mutants}
HELPER="perl $TOP/tests/mutate/mutants.pl"
JOBS=${MUTATE_JOBS:-1}
LIMIT=${MUTATE_TIMEOUT:-120}
MIN=${MUTATE_MIN:-90}
MAKE=${MAKE:-make}
me=mutate

case $JOBS in ''|*[!0-9]*|0) echo "$me: MUTATE_JOBS must be a positive number" >&2; exit 2 ;; esac
case $LIMIT in ''|*[!0-9]*|0) echo "$me: MUTATE_TIMEOUT must be a positive number of seconds" >&2; exit 2 ;; esac
for c in perl prove timeout; do
	command -v $c >/dev/null || { echo "$me: $c is needed" >&2; exit 69; }
done

SEL=$($HELPER list "$LIST" "${MUTANTS:-}") || exit 65
N=$(printf '%s' "$SEL" | grep -c .)
if [ "$N" = 0 ]; then
	echo "$me: no mutant matches '${MUTANTS:-}'" >&2
	exit 2
fi

if [ -n "${MUTATE_DIR:-}" ]; then
	WORK=$MUTATE_DIR
	mkdir -p "$WORK" || exit 73
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/mlm-mutate.XXXXXX") || exit 73
fi
KIDS=
finish() {
	for p in $KIDS; do kill "$p" 2>/dev/null; done
	[ "${MUTATE_KEEP:-0}" = 1 ] || [ -n "${MUTATE_DIR:-}" ] || rm -rf "$WORK"
}
trap finish EXIT
trap 'exit 130' INT TERM

# the C unit tests a list of test files needs built
units_of() {
	for t in "$@"; do
		case $t in tests/unit-*) printf '%s ' "${t%.c}" ;; esac
	done
}

# copy the tree without build products: the files git knows (tracked and
# untracked but not ignored), or everything and a make clean
copy_tree() {
	dst=$1
	rm -rf "$dst"
	mkdir -p "$dst"
	if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$TOP" && git ls-files -z -c -o --exclude-standard |
			xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
			tar --null -T - -cf -) | (cd "$dst" && tar -xf -)
	else
		(cd "$TOP" && tar --exclude=./.git -cf - .) | (cd "$dst" && tar -xf -) &&
			$MAKE -s -C "$dst" clean >/dev/null
	fi
}

ALLTESTS=$(printf '%s\n' "$SEL" | cut -f3 | tr ' ' '\n' | sort -u | tr '\n' ' ')
ALLUNITS=$(units_of $ALLTESTS)

# prepare one scratch tree per job
prepare() {
	w=$1
	tree=$WORK/tree.$w
	copy_tree "$tree" || { echo "$me: cannot copy the tree to $tree" >&2; return 1; }
	mkdir -p "$tree/tests/tmp"
	if ! nice $MAKE -C "$tree" -j2 all $ALLUNITS >"$WORK/build.$w.log" 2>&1; then
		echo "$me: the unmutated tree does not build (see $WORK/build.$w.log):" >&2
		tail -20 "$WORK/build.$w.log" >&2
		return 1
	fi
}

# run_one TREE LOG TEST: 0 passed, 1 failed, 2 hit the time limit
run_one() {
	# only this run's lines are read for a time limit's message: a test
	# that timed out before in the same log must not make a failure a timeout
	(cd "$1" && TMPDIR="$1/tests/tmp" MLM_TEST_TIMEOUT=$LIMIT \
		timeout -k 10 $((LIMIT + 30)) prove -f "$3") >"$2.one" 2>&1
	rc=$?
	cat "$2.one" >>"$2"
	if [ "$rc" = 0 ]; then
		rm -f "$2.one"
		return 0
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ] ||
	     tail -n 40 "$2.one" | grep -q 'timed out after [0-9]* s'; then
		rm -f "$2.one"
		echo "# $3: timed out" >>"$2"
		return 2
	fi
	rm -f "$2.one"
	echo "# $3: failed" >>"$2"
	return 1
}

# run_tests TREE LOG TEST...: 0 all passed, 1 one failed (stops there),
# 2 none failed but one hit the time limit. A failure counts only when the
# test fails again on a second run (MUTATE_CONFIRM=0: at once): a timing
# test that flakes under load must not pass for a kill.
run_tests() {
	tree=$1 log=$2
	shift 2
	: >"$log"
	st=0
	FLAKY=
	for t in "$@"; do
		t=${t%.c}
		run_one "$tree" "$log" "$t"
		case $? in
		0) continue ;;
		2) st=2; continue ;;
		esac
		if [ "${MUTATE_CONFIRM:-1}" != 0 ]; then
			echo "# $t: failed once; running it again to confirm" >>"$log"
			run_one "$tree" "$log" "$t"
			case $? in
			0) FLAKY="$FLAKY $t"; continue ;;
			2) st=2; continue ;;
			esac
		fi
		FAILED_BY=$t
		return 1
	done
	return $st
}

if [ "${MUTATE_BASELINE:-1}" != 0 ]; then
	echo "$me: building a scratch tree and running $(echo $ALLTESTS | wc -w) test files unmutated"
	prepare 1 || exit 1
	FAILED_BY=
	run_tests "$WORK/tree.1" "$WORK/baseline.log" $ALLTESTS
	case $? in
	1) echo "$me: $FAILED_BY fails without any mutant; fix it first (log: $WORK/baseline.log)" >&2
	   MUTATE_KEEP=1; exit 1 ;;
	2) echo "$me: a test times out without any mutant; fix it first (log: $WORK/baseline.log)" >&2
	   MUTATE_KEEP=1; exit 1 ;;
	esac
fi

# worker W: every mutant whose place in the selection is W modulo JOBS
worker() {
	w=$1
	tree=$WORK/tree.$w
	[ -d "$tree" ] || prepare "$w" || exit 1
	out=$WORK/results.$w
	: >"$out"
	i=0
	printf '%s\n' "$SEL" | while IFS='	' read -r id file tests equiv; do
		i=$((i + 1))
		[ $(( (i - 1) % JOBS + 1 )) = "$w" ] || continue
		if [ -n "$equiv" ]; then
			printf '%s\tequivalent\t0\t%s\n' "$id" "$equiv" >>"$out"
			echo "[$i/$N] $id: equivalent (skipped): $equiv"
			continue
		fi
		t0=$(date +%s)
		cp -p "$tree/$file" "$WORK/orig.$w" 2>/dev/null || : >"$WORK/orig.$w"
		log=$WORK/log.$id
		if ! $HELPER apply "$LIST" "$id" "$tree" 2>"$log"; then
			res=na detail="not applicable: $(cat "$log")"
		elif ! nice $MAKE -C "$tree" -j2 all $(units_of $tests) >"$log" 2>&1; then
			res=build detail="build failed: $(grep -m1 'error' "$log" | cut -c1-200)"
		else
			FAILED_BY=
			run_tests "$tree" "$log" $tests
			case $? in
			0) res=survived detail="survived $tests${FLAKY:+ (failed once but not again:$FLAKY)}" ;;
			1) res=killed detail="killed by $FAILED_BY" ;;
			*) res=timeout detail="timed out ($tests)" ;;
			esac
		fi
		# restore: a fresh mtime, so the next build recompiles the file
		[ -s "$WORK/orig.$w" ] && cp "$WORK/orig.$w" "$tree/$file"
		dt=$(( $(date +%s) - t0 ))
		printf '%s\t%s\t%s\t%s\n' "$id" "$res" "$dt" "$file: $detail" >>"$out"
		echo "[$i/$N] $id: $detail (${dt}s)"
	done
}

echo "$me: $N mutants, $JOBS at a time, ${LIMIT}s per test file"
w=1
while [ "$w" -le "$JOBS" ]; do
	worker "$w" &
	KIDS="$KIDS $!"
	w=$((w + 1))
done
wait
KIDS=

cat "$WORK"/results.* >"$WORK/results" 2>/dev/null
count() { awk -F'\t' -v r="$1" '$2 == r' "$WORK/results" | grep -c .; }
k=$(count killed) s=$(count survived) t=$(count timeout) na=$(count na) b=$(count build) e=$(count equivalent)
done_n=$(grep -c . "$WORK/results")
den=$((k + s + t))
echo
echo "mutants: $done_n of $N run: $k killed, $s survived, $t timed out, $na not applicable, $b build failed, $e equivalent"
for r in survived timeout na build; do
	case $r in
	timeout) label="timed out" ;; na) label="not applicable" ;; build) label="build failed" ;;
	*) label=$r ;;
	esac
	awk -F'\t' -v r="$r" -v l="$label" '$2 == r { print "  " l ": " $1 " (" $4 ")" }' "$WORK/results"
done
if [ "$den" -gt 0 ]; then
	pct=$(awk -v k="$k" -v d="$den" 'BEGIN { printf "%.1f", 100 * k / d }')
	echo "score: $k/$den = $pct % (killed / (killed + survived + timed out))"
	[ "$done_n" = "$N" ] || { echo "$me: only $done_n of $N mutants ran" >&2; exit 1; }
	awk -v p="$pct" -v m="$MIN" 'BEGIN { exit !(p + 0 >= m + 0) }' || {
		echo "$me: score under $MIN %" >&2
		exit 1
	}
else
	echo "score: none counted"
fi
if [ $((na + b)) -gt 0 ]; then
	echo "$me: the list is out of step with the code (not applicable or not compiling): fix it" >&2
	exit 1
fi
exit 0

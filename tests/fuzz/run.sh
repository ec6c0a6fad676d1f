#!/bin/sh
# make fuzz — build every libFuzzer target with clang and run each for a
# bounded time (FUZZ_SECONDS, default 20), seeded from the provider fixtures
# and the test corpora. A crash leaves its input in tests/fuzz/crashes/;
# turn it into a regression test, then fix it.
set -eu
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-20}
out=tests/fuzz/build
mkdir -p "$out" tests/fuzz/crashes
CC=${FUZZ_CC:-clang}
FLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -std=c17 -D_GNU_SOURCE -Ilib"
LIBS="-ljq -lonig -lcurl -lmicrohttpd -lsqlite3 -lhiredis -lpthread -lm"
rc=0
for src in tests/fuzz/fuzz-*.c; do
	name=$(basename "$src" .c)
	echo "== $name"
	# the library without main(), built with the fuzzer's instrumentation
	$CC $FLAGS -o "$out/$name" "$src" lib/*.c $LIBS
	corpus="$out/$name.corpus"
	mkdir -p "$corpus"
	for d in tests/fixtures tests/fmt-corpus; do
		[ -d "$d" ] && find "$d" -type f -size -64k -exec cp {} "$corpus/" \; 2>/dev/null
	done
	ASAN_OPTIONS=detect_leaks=0 "$out/$name" -max_total_time="$secs" -max_len=65536 \
		-artifact_prefix=tests/fuzz/crashes/"$name"- "$corpus" >"$out/$name.log" 2>&1 || {
		echo "$name: crash; see $out/$name.log and tests/fuzz/crashes/" >&2
		rc=1
	}
	tail -1 "$out/$name.log"
done
exit $rc

#!/bin/sh
# tests/lint.sh — the library never prints and never exits; man pages lint clean.
cd "$(dirname "$0")/.." || exit 1
rc=0
if grep -nE '\b(fprintf\(std(err|out)|printf\(|puts\(|exit\(|abort\(|perror\()' lib/*.c; then
	echo "lint: lib/ must not print or exit (above)" >&2
	rc=1
fi
for m in man/*.[0-9]; do
	[ -e "$m" ] || continue
	# cross references to pages not installed here are fine
	out=$(mandoc -Tlint -W warning "$m" 2>&1 | grep -v 'referenced manual not found')
	if [ -n "$out" ]; then
		echo "$out" >&2
		rc=1
	fi
done
exit $rc

#!/bin/sh
# tests/copy-tree.sh DIR — copy the source tree (tracked files and new files
# not ignored by .gitignore, so no build products) into DIR, keeping their
# times so that a second copy rebuilds only what changed, and drop from DIR
# the sources that are gone from the tree. `make check-asan` builds and runs
# the suite in such a copy, so it never touches the developer's build.
set -eu
dir=$1
cd "$(dirname "$0")/.."
mkdir -p "$dir"
list=$(mktemp) || exit 1
trap 'rm -f "$list" "$list.old"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -co --exclude-standard | grep -v "^${dir%/}/" |
		while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done >"$list"
else	# a tarball: everything but build products
	find . -path "./${dir%/}" -prune -o -type f ! -name '*.o' ! -name '*.a' -print |
		sed 's|^\./||' >"$list"
fi
# the copy of the previous run, less what is still in the tree
if [ -f "$dir/.copied" ]; then
	sort "$list" | comm -13 - "$dir/.copied" >"$list.old"
	while IFS= read -r f; do rm -f "$dir/$f"; done <"$list.old"
fi
tar -cf - -T "$list" | tar -xpf - -C "$dir"
sort "$list" >"$dir/.copied"
# the npm clients of tests/node, once installed, serve the copy too
if [ -d tests/node/node_modules ] && [ ! -e "$dir/tests/node/node_modules" ]; then
	ln -s "$PWD/tests/node/node_modules" "$dir/tests/node/node_modules"
fi

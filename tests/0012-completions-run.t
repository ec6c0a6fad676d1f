#!/bin/sh
# 0012-completions-run.t — the completions run in their shells: completing
# "TOOL --" offers every long option of the tool's longopts[] table, and
# "TOOL --strategy " offers the strategies, in bash (complete -F function
# called with COMP_WORDS), zsh (compinit on a pseudo-terminal, see
# tests/zsh-complete.zsh) and fish (complete -C). A shell that is not
# installed is skipped with a TAP reason (tests/deps.sh installs all three).
. "$(dirname "$0")/lib.sh"

longopts() {
	sed -n '/struct option[ 	]*longopts\[\]/,/};/p' "$1" |
	    sed -n 's/^[ 	]*{[ 	]*"\([^"]*\)".*/\1/p'
}

# offered SHELL TOOL LINE: the candidates, one per line
offered() {
	case $1 in
	bash)
		bash -c '
			. "$1"
			line=$3
			read -ra COMP_WORDS <<<"$line"
			[ "${line% }" != "$line" ] && COMP_WORDS+=("")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMP_LINE=$line COMP_POINT=${#line}
			fn=$(complete -p "$2" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
			"$fn" "$2" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
			printf "%s\n" "${COMPREPLY[@]}"' sh "$TOP/completions/bash/$2" "$2" "$3" ;;
	zsh)
		timeout 30 zsh "$TOP/tests/zsh-complete.zsh" "$TOP/completions/zsh" "$3" ;;
	fish)
		fish -c 'source $argv[1]; complete -C $argv[2]' "$TOP/completions/fish/$2.fish" "$3" |
		    cut -f1 ;;
	esac
}

for sh in bash zsh fish; do
	if ! command -v "$sh" >/dev/null 2>&1; then
		skip "$sh is not installed: its completions are not run"
		continue
	fi
	for src in "$TOP"/bin/llm-*.c; do
		tool=$(basename "$src" .c)
		offered "$sh" "$tool" "$tool --" >"$T/o" 2>"$T/e"
		miss=
		for n in $(longopts "$src"); do
			grep -qx -- "--$n" "$T/o" || miss="$miss --$n"
		done
		if [ -z "$miss" ] && [ -s "$T/o" ]; then
			ok "$sh: $tool -- offers every long option"
		else
			nok "$sh: $tool -- offers every long option"
			diag "missing:${miss:- everything}"
			[ -s "$T/e" ] && diag "stderr: $(head -3 "$T/e")"
		fi
		if longopts "$src" | grep -qx strategy; then
			offered "$sh" "$tool" "$tool --strategy " >"$T/o" 2>&1
			if grep -qx sequential "$T/o" && grep -qx round-robin "$T/o" && ! grep -q -- '^--' "$T/o"; then
				ok "$sh: $tool --strategy offers the strategies"
			else
				nok "$sh: $tool --strategy offers the strategies"
				diag "offered: $(tr '\n' ' ' <"$T/o")"
			fi
		fi
	done
done

done_testing

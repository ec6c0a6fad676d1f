#!/bin/sh
# make install / make uninstall into a DESTDIR: the installed tools run, every
# man page renders, the completions are where bash, zsh and fish look, the
# pkg-config build of examples/ask.c works from the installed tree and
# answers against llm-sim, and uninstall removes every file it installed.
. "$(dirname "$0")/lib.sh"
exec </dev/null

R="$T/root"
P=/usr/local
I="$R$P"
run make -s -C "$TOP" install DESTDIR="$R" PREFIX="$P"
is "$rc" 0 "make install DESTDIR=... PREFIX=$P: exit 0"
[ "$rc" = 0 ] || diag "$err"
find "$R" \( -type f -o -type l \) | sed "s|^$R||" | sort >installed.txt
diag "$(wc -l <installed.txt | tr -d ' ') files installed"
check "nothing installed outside the prefix" [ -z "$(grep -v "^$P/" installed.txt)" ]

# ---- the tools
tools=$(cd "$TOP/bin" && ls llm-*.c | sed 's/\.c$//')
for t in $tools; do
	if [ -x "$I/bin/$t" ]; then
		run "$I/bin/$t" --help
		is "$rc" 0 "bin/$t --help: exit 0"
		like "$(printf '%s\n' "$out" | sed -n 1p)" "^usage: $t " "bin/$t --help: its usage"
	else
		nok "bin/$t installed"
	fi
done
# the installed llm-ask answers against the simulator, from another directory
start_sim
sim_env
export OPENAI_API_KEY_1=good1 OPENAI_MODELS=m1
run env PATH="$I/bin:/usr/bin:/bin" llm-ask hello
is "$rc:$out" "0:echo: hello" "the installed llm-ask answers"

# ---- man pages
mans=$(cd "$TOP/man" && ls)
for m in $mans; do
	f="$I/share/man/man${m##*.}/$m"
	if [ ! -f "$f" ]; then
		nok "man/$m installed as $f"
		continue
	fi
	if command -v man >/dev/null; then
		MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$f" >page.txt 2>page.err
	else
		mandoc -Tutf8 "$f" >page.txt 2>page.err
	fi
	r=$?
	name=$(echo "${m%.*}" | tr a-z A-Z)
	if [ "$r" = 0 ] && grep -q '^NAME' page.txt && grep -q "^$name(${m##*.})" page.txt &&
	   [ "$(wc -l <page.txt)" -gt 20 ]; then
		ok "$m renders ($(wc -l <page.txt | tr -d ' ') lines)"
	else
		nok "$m renders"; diag "exit $r" "$(head -5 page.txt)" "$(cat page.err)"
	fi
	[ -s page.err ] && diag "$m: $(cat page.err)"
done
# MANPATH lookup by name, as a user would type it
if command -v man >/dev/null; then
	run env MANPATH="$I/share/man" MANWIDTH=80 MANPAGER=cat man 1 llm-map
	like "$(printf '%s\n' "$out" | sed -n 1p)" '^LLM-MAP\(1\)' "man llm-map finds the installed page through MANPATH"
	run env MANPATH="$I/share/man" MANWIDTH=80 MANPAGER=cat man 7 many-llm
	like "$(printf '%s\n' "$out" | sed -n 1p)" '^MANY-LLM\(7\)' "man 7 many-llm finds the installed page"
fi

# ---- completions, where each shell looks under the prefix
for t in $tools; do
	check "bash completion: share/bash-completion/completions/$t" [ -f "$I/share/bash-completion/completions/$t" ]
	check "zsh completion: share/zsh/site-functions/_$t" [ -f "$I/share/zsh/site-functions/_$t" ]
	check "fish completion: share/fish/vendor_completions.d/$t.fish" [ -f "$I/share/fish/vendor_completions.d/$t.fish" ]
done
# bash: what bash-completion's loader does for a command (it searches
# $XDG_DATA_DIRS/bash-completion/completions/NAME), then complete a word
if command -v bash >/dev/null; then
	run env XDG_DATA_DIRS="$I/share" bash -c '
		if [ -r /usr/share/bash-completion/bash_completion ]; then
			. /usr/share/bash-completion/bash_completion
			__load_completion llm-ask || exit 3
		else
			for d in ${XDG_DATA_DIRS//:/ }; do
				f=$d/bash-completion/completions/llm-ask
				[ -r "$f" ] && { . "$f"; break; }
			done
		fi
		complete -p llm-ask >/dev/null || exit 4
		fn=$(complete -p llm-ask | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		COMP_WORDS=(llm-ask --strategy se); COMP_CWORD=2
		"$fn"
		printf "%s\n" "${COMPREPLY[@]}"'
	is "$rc:$out" "0:sequential" "bash: the installed completion loads and completes --strategy se"
fi
if command -v zsh >/dev/null; then
	run zsh -fc "fpath=(\"$I/share/zsh/site-functions\" \$fpath); autoload -Uz compinit; compinit -u -d \"$T/zcompdump\"; print -r -- \$_comps[llm-ask]"
	is "$out" "_llm-ask" "zsh: compinit picks up _llm-ask from site-functions"
else
	ok "# SKIP zsh: not installed"
fi
if command -v fish >/dev/null; then
	run fish -c "set -p fish_complete_path \"$I/share/fish/vendor_completions.d\"; complete -C'llm-ask --strat'"
	like "$out" '^--strategy' "fish: the vendor completion completes --strat"
else
	ok "# SKIP fish: not installed"
fi

# ---- the library: examples/ask.c built with pkg-config from the install
check "manyllm.h installed" [ -f "$I/include/manyllm.h" ]
check "libmanyllm.a installed" [ -f "$I/lib/libmanyllm.a" ]
check "manyllm.pc installed" [ -f "$I/lib/pkgconfig/manyllm.pc" ]
mkdir build && cp "$TOP/examples/ask.c" build/
if command -v pkg-config >/dev/null; then
	flags=$(PKG_CONFIG_PATH="$I/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$R" pkg-config --cflags --libs manyllm)
	is "$?" 0 "pkg-config --cflags --libs manyllm (PKG_CONFIG_SYSROOT_DIR)"
	like "$flags" "^-I$I/include -L$I/lib -lmanyllm " "pkg-config: the installed include and lib directories"
	is "$(PKG_CONFIG_PATH="$I/lib/pkgconfig" pkg-config --modversion manyllm)" "0.1.0" "pkg-config --modversion"
	# relocation with --define-variable=prefix needs libdir/includedir given
	# relative to ${prefix} in the .pc file
	f2=$(PKG_CONFIG_PATH="$I/lib/pkgconfig" pkg-config --define-variable=prefix="$I" --cflags --libs manyllm)
	case $f2 in
	"-I$I/include -L$I/lib "*) ok "pkg-config --define-variable=prefix relocates the flags" ;;
	*) nok "pkg-config --define-variable=prefix relocates the flags"; diag "got: $f2" ;;
	esac
	# shellcheck disable=SC2086
	if (cd build && cc -std=c99 -Wall -Wextra -Werror ${MLM_SAN:-} -o ask ask.c $flags) 2>cc.err; then
		ok "cc ask.c \$(pkg-config --cflags --libs manyllm) builds from the install"
	else
		nok "cc ask.c \$(pkg-config --cflags --libs manyllm) builds from the install"; diag "$(cat cc.err)"
	fi
	: >"$SIM_LOG"
	printf 'Is water wet?\nSIM-REPLY: Yes\n' >ask.in
	run build/ask <ask.in
	is "$rc" 0 "the installed-library program: exit 0"
	TAB=$(printf '\t')
	is "$out" "Is water wet?${TAB}echo: Is water wet?${TAB}openai-1:m1
SIM-REPLY: Yes${TAB}Yes${TAB}openai-1:m1" "the installed-library program answers against llm-sim"
	is "$(wc -l <"$SIM_LOG" | tr -d ' ')" 2 "the installed-library program: two requests"
else
	ok "# SKIP pkg-config: not installed"
fi

# ---- the catalog, as data beside the tools
check "catalog: share/many-llm/catalog.ndjson installed" [ -f "$I/share/many-llm/catalog.ndjson" ]
check "catalog: the installed file is data/catalog.ndjson" cmp -s "$I/share/many-llm/catalog.ndjson" "$TOP/data/catalog.ndjson"

# ---- uninstall: every installed file is gone
run make -s -C "$TOP" uninstall DESTDIR="$R" PREFIX="$P"
is "$rc" 0 "make uninstall: exit 0"
left=$(find "$R" \( -type f -o -type l \) | sed "s|^$R||")
is "$left" "" "make uninstall: no file left under the prefix"
dirs=$(find "$R" -mindepth 1 -type d | wc -l | tr -d ' ')
diag "$dirs empty directories left (as mkdir -p made them)"
check "make uninstall: only empty directories remain" [ -z "$(find "$R" -mindepth 1 ! -type d)" ]
# a second uninstall is harmless
run make -s -C "$TOP" uninstall DESTDIR="$R" PREFIX="$P"
is "$rc" 0 "make uninstall twice: exit 0"

# ---- another prefix: the .pc file follows it
run make -s -C "$TOP" install DESTDIR="$R" PREFIX=/opt/mlm
is "$rc" 0 "make install PREFIX=/opt/mlm"
like "$(cat "$R/opt/mlm/lib/pkgconfig/manyllm.pc" 2>&1)" 'prefix=/opt/mlm' "PREFIX=/opt/mlm: the .pc names /opt/mlm"
check "PREFIX=/opt/mlm: nothing under /usr/local" [ -z "$(find "$R/usr/local" ! -type d 2>/dev/null)" ]
run make -s -C "$TOP" uninstall DESTDIR="$R" PREFIX=/opt/mlm
is "$(find "$R" ! -type d)" "" "PREFIX=/opt/mlm: uninstall removes it all"

done_testing

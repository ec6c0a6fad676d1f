#!/usr/bin/env zsh
# zsh-complete.zsh FPATH-DIR 'COMMAND LINE' — the candidates zsh's completion
# system offers at the end of the line, one per line: an interactive zsh on a
# pseudo-terminal (zsh/zpty) runs compinit with FPATH-DIR first in $fpath,
# and a compadd wrapper prints what the completion functions add.
zmodload zsh/zpty || exit 2
zpty sh zsh -f -i
init=$(mktemp) || exit 2
trap 'rm -f $init' EXIT
cat >$init <<'INIT'
PROMPT= RPROMPT=
fpath=($COMPDIR $fpath)
autoload -U compinit && compinit -u -D
zstyle ':completion:*' completer _complete
zstyle ':completion:*' list-grouped false
compadd() {
	# calls that only fill arrays (-O -A -D) are the completion system's own
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "$@"
		return
	fi
	local -a hits
	builtin compadd -A hits "$@"
	(( $#hits )) && print -rl -- $hits
}
mark() { print -rn -- $'\0' }
compprefuncs=(mark)
comppostfuncs=(mark exit)
bindkey '^I' complete-word
print READY
INIT
zpty -w sh "COMPDIR=${(q)1} source ${(q)init}"
for i in {1..20}; do
	zpty -r sh line || exit 2
	[[ $line == READY* ]] && break
done
zpty -w -n sh "$2"$'\t'
# the output between the two marks
zpty -r sh out '*'$'\0'
zpty -r sh out '*'$'\0'
print -rn -- ${out%$'\0'} | tr -d '\r' | grep -v '^$'

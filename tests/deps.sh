#!/bin/sh
# tests/deps.sh — make sure the build and test dependencies are installed.
# As root on Debian it installs what is missing with apt-get; otherwise it
# prints the exact command to run, and stops when the build or the core of
# the suite needs it. The tools only some tests use (want: redis-server,
# tmux, zsh, fish) are installed too, but a normal user without them gets
# the command and goes on: the tests that need them skip with a reason.
pkgs="" opt=""
need() { # need FILE-OR-COMMAND PACKAGE
	case $1 in
	/*) [ -e "$1" ] || pkgs="$pkgs $2" ;;
	*) command -v "$1" >/dev/null 2>&1 || pkgs="$pkgs $2" ;;
	esac
}
want() { # want COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 || opt="$opt $2"
}
need cc gcc
need make make
need pkg-config pkg-config
need /usr/include/x86_64-linux-gnu/curl/curl.h libcurl4-openssl-dev
need /usr/include/jq.h libjq-dev
need /usr/include/oniguruma.h libonig-dev
need /usr/include/microhttpd.h libmicrohttpd-dev
need /usr/include/sqlite3.h libsqlite3-dev
need /usr/include/hiredis/hiredis.h libhiredis-dev
need /usr/include/editline/readline.h libedit-dev
need prove perl
need ps procps          # the per-test time limit finds a hung test's processes
need mandoc mandoc
need jq jq
need curl curl
need sqlite3 sqlite3
want redis-server redis-server
want tmux tmux
want zsh zsh
want fish fish
[ -z "$pkgs$opt" ] && exit 0
# curl.h may live elsewhere on other architectures
case $pkgs in *libcurl4-openssl-dev*)
	[ -e /usr/include/curl/curl.h ] && pkgs=$(echo "$pkgs" | sed 's/ libcurl4-openssl-dev//') ;;
esac
[ -z "$pkgs$opt" ] && exit 0
pkgs="$pkgs$opt"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing:$pkgs" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null && apt-get install -y -qq $pkgs >/dev/null || {
		echo "deps: apt-get install$pkgs failed" >&2; exit 1; }
	exit 0
fi
if [ "$pkgs" = "$opt" ]; then
	echo "some tests will skip: the tools they use are missing; to run them:" >&2
	echo "  sudo apt-get install -y$pkgs" >&2
	exit 0
fi
echo "missing build dependencies; run:" >&2
echo "  sudo apt-get install -y$pkgs" >&2
exit 1

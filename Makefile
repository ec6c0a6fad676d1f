# Many-LLM — one non-recursive Makefile.
# Every flag can be overridden on the command line: make CC=clang CFLAGS=... JQ_LIBS=...

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
LIBDIR   ?= $(PREFIX)/lib
INCDIR   ?= $(PREFIX)/include
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share
DESTDIR  ?=

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     ?= -std=c17 -Wall -Wextra -Wno-unused-parameter
CPPFLAGS ?=
LDFLAGS  ?= -Wl,--as-needed
SAN      ?=

PKG_CONFIG ?= pkg-config
# libjq 1.6 on Debian 12 has no .pc file: fall back to plain flags.
JQ_LIBS   ?= $(shell $(PKG_CONFIG) --libs libjq 2>/dev/null || echo -ljq -lonig)
CURL_LIBS ?= $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl)
MHD_LIBS  ?= $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
SQL_LIBS  ?= $(shell $(PKG_CONFIG) --libs sqlite3 2>/dev/null || echo -lsqlite3)
REDIS_LIBS?= $(shell $(PKG_CONFIG) --libs hiredis 2>/dev/null || echo -lhiredis)
EDIT_LIBS ?= $(shell $(PKG_CONFIG) --libs libedit 2>/dev/null || echo -ledit)
LIBS     ?= $(JQ_LIBS) $(CURL_LIBS) $(MHD_LIBS) $(SQL_LIBS) $(REDIS_LIBS) $(EDIT_LIBS) -lpthread -lm

ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN) -D_GNU_SOURCE -Ilib $(CPPFLAGS)

LIB_SRC  := $(sort $(wildcard lib/*.c))
LIB_OBJ  := $(LIB_SRC:.c=.o)
LIB      := lib/libmanyllm.a
TOOL_SRC := $(sort $(wildcard bin/llm-*.c))
TOOLS    := $(TOOL_SRC:.c=)
UNIT_SRC := $(sort $(wildcard tests/unit-*.c))
UNITS    := $(UNIT_SRC:.c=)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
MAN1     := $(sort $(wildcard man/*.1))
MAN5     := $(sort $(wildcard man/*.5))
MAN7     := $(sort $(wildcard man/*.7))
MAN3     := $(sort $(wildcard man/*.3))

all: $(LIB) $(TOOLS)

lib/%.o: lib/%.c lib/*.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

TOOL_OBJ := bin/tool.o bin/chat.o bin/sim-embed.o bin/map-embed.o bin/serve-embed.o
# an archive, so a tool links only the parts it uses: a tool without chat
# does not load libedit, llm-sim loads neither libcurl nor SQLite
TOOL_LIB := bin/libtool.a
# shared by every tool: never an intermediate to delete after a link
.SECONDARY: $(TOOL_OBJ) $(LIB_OBJ)

bin/%.o: bin/%.c bin/*.h lib/*.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(TOOL_LIB): $(TOOL_OBJ)
	rm -f $@
	ar rcs $@ $(TOOL_OBJ)

bin/llm-%: bin/llm-%.c $(TOOL_LIB) bin/*.h $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TOOL_LIB) $(LIB) $(LIBS)

tests/unit-%: tests/unit-%.c tests/*.h $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

deps:
	@sh tests/deps.sh

check: deps
	$(MAKE) all $(UNITS)
	@sh tests/lint.sh
	prove -f $(PROVE_FLAGS) $(UNITS) tests/*.t

check-asan: deps
	$(MAKE) clean
	$(MAKE) CC=$(CC) CFLAGS="-O1 -g -fno-omit-frame-pointer" SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all $(UNITS)
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		MLM_SAN="-fsanitize=address,undefined" prove -f $(PROVE_FLAGS) $(UNITS) tests/*.t
	$(MAKE) clean

check-valgrind: all
	sh tests/valgrind.sh

check-long: all
	LLM_LONG=1 prove -v tests/long/*.t

fuzz:
	sh tests/fuzz/run.sh

bench: deps all
	sh bench/run.sh

demo: deps all
	sh examples/demo.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(DATADIR)/bash-completion/completions $(DESTDIR)$(DATADIR)/zsh/site-functions \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d
	for t in $(TOOLS); do install -m 755 $$t $(DESTDIR)$(BINDIR)/; done
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/
	install -m 644 lib/manyllm.h $(DESTDIR)$(INCDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(patsubst $(PREFIX)%,$${prefix}%,$(LIBDIR))|' \
		-e 's|@INCDIR@|$(patsubst $(PREFIX)%,$${prefix}%,$(INCDIR))|' \
		-e 's|@LIBS@|$(LIBS)|' lib/manyllm.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/manyllm.pc
	for m in $(MAN1); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man1/; done
	for m in $(MAN3); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man3/; done
	for m in $(MAN5); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man5/; done
	for m in $(MAN7); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man7/; done
	for f in completions/bash/*; do install -m 644 $$f $(DESTDIR)$(DATADIR)/bash-completion/completions/; done
	for f in completions/zsh/*; do install -m 644 $$f $(DESTDIR)$(DATADIR)/zsh/site-functions/; done
	for f in completions/fish/*; do install -m 644 $$f $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/; done

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/$$(basename $$t); done
	rm -f $(DESTDIR)$(LIBDIR)/libmanyllm.a $(DESTDIR)$(LIBDIR)/pkgconfig/manyllm.pc $(DESTDIR)$(INCDIR)/manyllm.h
	for m in $(MAN1) $(MAN3) $(MAN5) $(MAN7); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$$(basename $$m); done
	for f in completions/bash/*; do rm -f $(DESTDIR)$(DATADIR)/bash-completion/completions/$$(basename $$f); done
	for f in completions/zsh/*; do rm -f $(DESTDIR)$(DATADIR)/zsh/site-functions/$$(basename $$f); done
	for f in completions/fish/*; do rm -f $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/$$(basename $$f); done

clean:
	rm -f $(LIB) $(TOOL_LIB) lib/*.o bin/*.o $(TOOLS) $(UNITS) tests/fuzz/fuzz-*[!.c]

.PHONY: all deps check check-asan check-valgrind check-long fuzz bench demo install uninstall clean

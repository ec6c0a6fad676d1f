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

LIB_SRC  := $(sort $(wildcard lib/*.c) lib/catalog-data.c)
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

# the catalog: data/catalog.ndjson, compiled in as a C string (the fallback),
# and installed for reading; the installed copy is found through DATADIR,
# written to a header that changes (and rebuilds) only when DATADIR does
lib/catalog.o: lib/catalog-datadir.h
lib/catalog-datadir.h: FORCE
	@echo '#define MLM_DATADIR "$(DATADIR)"' >$@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
FORCE:
lib/catalog-data.c: data/catalog.ndjson
	{ echo '/* generated from data/catalog.ndjson by make: do not edit */'; \
	  echo 'extern const char mlm_catalog_builtin[];'; \
	  echo 'const char mlm_catalog_builtin[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' data/catalog.ndjson; \
	  echo ';'; } >$@.tmp && mv $@.tmp $@

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

TOOL_OBJ := bin/tool.o bin/chat.o bin/catalog-cli.o bin/sim-embed.o bin/map-embed.o bin/attach.o bin/tool-calls.o
# llm-map's parts (bin/map-*.c)
TOOL_OBJ += bin/map-read.o bin/map-resume.o bin/map-progress.o bin/map-template.o
# llm-serve's parts: HTTP, jobs, metrics, defences and its wire formats (bin/serve-*.c)
SERVE_OBJ := $(patsubst %.c,%.o,$(sort $(wildcard bin/serve-*.c)))
# an archive, so a tool links only the parts it uses: a tool without chat
# does not load libedit, llm-sim loads neither libcurl nor SQLite
TOOL_LIB := bin/libtool.a
# shared by every tool: never an intermediate to delete after a link
.SECONDARY: $(TOOL_OBJ) $(LIB_OBJ) $(SERVE_OBJ)

bin/%.o: bin/%.c bin/*.h lib/*.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(TOOL_LIB): $(TOOL_OBJ)
	rm -f $@
	ar rcs $@ $(TOOL_OBJ)

bin/llm-%: bin/llm-%.c $(TOOL_LIB) bin/*.h $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TOOL_LIB) $(LIB) $(LIBS)

# llm-serve's parts live in files of their own (bin/serve-int.h maps them)
bin/llm-serve: bin/llm-serve.c $(SERVE_OBJ) $(TOOL_LIB) bin/*.h $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(SERVE_OBJ) $(TOOL_LIB) $(LIB) $(LIBS)
# llm-sim's seams (bin/sim-*.c, mapped in bin/sim.h): no code of the library's adapters
SIM_OBJ := bin/sim-http.o bin/sim-timer.o bin/sim-faults.o bin/sim-errors.o bin/sim-bodies.o \
	bin/sim-util.o bin/sim-strict.o bin/sim-tools.o bin/sim-images.o bin/sim-windows.o
.SECONDARY: $(SIM_OBJ)
bin/llm-sim: bin/llm-sim.c $(SIM_OBJ) $(TOOL_LIB) bin/*.h $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(SIM_OBJ) $(TOOL_LIB) $(LIB) $(LIBS)

tests/unit-%: tests/unit-%.c tests/*.h $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

deps:
	@sh tests/deps.sh

check: deps
	$(MAKE) all $(UNITS)
	@sh tests/lint.sh
	prove -f $(PROVE_FLAGS) $(UNITS) tests/*.t

# the suite under AddressSanitizer and UndefinedBehaviorSanitizer, built in a
# copy of the tree of its own (ASAN_DIR), so the developer's build stays as it is
ASAN_DIR ?= build-asan
check-asan: deps
	sh tests/copy-tree.sh $(ASAN_DIR)
	$(MAKE) -C $(ASAN_DIR) CC=$(CC) CFLAGS="-O1 -g -fno-omit-frame-pointer" SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all $(UNITS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		MLM_SAN="-fsanitize=address,undefined" prove -f $(PROVE_FLAGS) $(UNITS) tests/*.t

check-valgrind: all
	sh tests/valgrind.sh

check-long: all
	LLM_LONG=1 MLM_TEST_TIMEOUT=$${MLM_TEST_TIMEOUT:-7200} prove -v tests/long/*.t

# the mutation check (tests/mutate/run.sh): MUTANTS=id,glob... picks some,
# MUTATE_JOBS=N runs N at a time; not part of check (it takes long)
mutate: deps
	sh tests/mutate/run.sh

fuzz: lib/catalog-data.c
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
	mkdir -p $(DESTDIR)$(DATADIR)/many-llm
	install -m 644 data/catalog.ndjson $(DESTDIR)$(DATADIR)/many-llm/

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/$$(basename $$t); done
	rm -f $(DESTDIR)$(LIBDIR)/libmanyllm.a $(DESTDIR)$(LIBDIR)/pkgconfig/manyllm.pc $(DESTDIR)$(INCDIR)/manyllm.h
	for m in $(MAN1) $(MAN3) $(MAN5) $(MAN7); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$$(basename $$m); done
	for f in completions/bash/*; do rm -f $(DESTDIR)$(DATADIR)/bash-completion/completions/$$(basename $$f); done
	for f in completions/zsh/*; do rm -f $(DESTDIR)$(DATADIR)/zsh/site-functions/$$(basename $$f); done
	for f in completions/fish/*; do rm -f $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/$$(basename $$f); done
	rm -f $(DESTDIR)$(DATADIR)/many-llm/catalog.ndjson
	-rmdir $(DESTDIR)$(DATADIR)/many-llm 2>/dev/null

clean:
	rm -rf $(ASAN_DIR)
	rm -f $(LIB) $(TOOL_LIB) lib/catalog-data.c lib/catalog-datadir.h lib/*.o bin/*.o $(TOOLS) $(UNITS) tests/fuzz/fuzz-*[!.c]

.PHONY: FORCE all deps check check-asan check-valgrind check-long mutate fuzz bench demo install uninstall clean

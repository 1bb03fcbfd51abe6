# mspipe - the one build entry.
#
#   make                 libmspipe (lib/) and every tool (tools/ms*.c) into bin/
#   make check           install missing Debian packages, build, run every test
#   make check SANITIZE=1  the same with ASan+UBSan (objects in build-san/)
#   make demo            the main job: a real workflow on the embedded SQLite db
#   make bench           benchmarks (print figures; never assert on time)
#   make fuzz            each libFuzzer target for FUZZ_SECONDS seconds
#   make install PREFIX=/usr/local DESTDIR=
#
# Sources are found by wildcard: a new lib/*.c joins libmspipe, a new
# tools/msNAME.c becomes bin/msNAME, a new tests/unit/test_*.c a unit test,
# a new tests/*.bats a program test, a new fuzz/fuzz_*.c a fuzz target.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= cc
CFLAGS    ?= -O2 -g
PKGS      := libmongoc-1.0 libbson-1.0 libxml-2.0 cairo fftw3 sqlite3 mseed

# Quiet by default; V=1 shows the commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @echo "  $(1) $(2)"
endif

ifeq ($(SANITIZE),1)
B        := build-san
BIN      := build-san/bin
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
B        := build
BIN      := bin
SANFLAGS :=
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -fPIC \
             -DMSP_VERSION_STRING='"$(VERSION)"' \
             -Iinclude -Itools/common $(PKG_CFLAGS) $(SANFLAGS) $(CFLAGS)
# --as-needed: a tool loads only the libraries it uses (msdetrend does not load
# libmongoc, its TLS and SASL stack, nor cairo): faster start-up, smaller RSS.
ALL_LDFLAGS = -Wl,--as-needed $(SANFLAGS) $(LDFLAGS)
LIBS_ALL   = $(PKG_LIBS) -lfftw3_threads -lpthread -lm

LIB_SRC   := $(sort $(wildcard lib/*.c))
LIB_OBJ   := $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
COMMON_SRC:= $(sort $(wildcard tools/common/*.c))
COMMON_OBJ:= $(COMMON_SRC:tools/common/%.c=$(B)/common/%.o)
TOOL_SRC  := $(sort $(wildcard tools/ms*.c))
TOOLS     := $(TOOL_SRC:tools/%.c=$(BIN)/%)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
BATS      := $(sort $(wildcard tests/*.bats))
LIBA      := $(B)/libmspipe.a
LIBSO     := $(B)/libmspipe.so.0

.SECONDARY:
.PHONY: all deps check test unit bats demo bench fuzz install clean man-check
all: $(LIBA) $(LIBSO) $(TOOLS)

$(B)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/common/%.o: tools/common/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^
$(LIBSO): $(LIB_OBJ)
	$(call say,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,libmspipe.so.0 $(ALL_LDFLAGS) -o $@ $^ $(LIBS_ALL)

$(BIN)/%: $(B)/tools/%.o $(COMMON_OBJ) $(LIBA)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(COMMON_OBJ) $(LIBA) $(LIBS_ALL)

$(B)/tests/test_%: $(B)/tests/test_%.o $(LIBA)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(LIBS_ALL)

-include $(wildcard $(B)/*/*.d)

# Debian packages the build, the tests and the demo need; a no-op when present.
deps:
	@sh scripts/install-deps.sh

unit: $(UNITS) $(B)/tests/faultinject.so

# The bad-input catalogue (docs/bad-inputs.md) is a test: one bats test per row.
BADINPUT := $(B)/tests/badinput.bats
$(BADINPUT): docs/bad-inputs.md tests/gen-badinput.py
	@mkdir -p $(@D)
	$(call say,GEN,$@)
	$(Q)python3 tests/gen-badinput.py $(CURDIR) $@ 2>/dev/null

# LD_PRELOAD library for the I/O fault-injection tests (tests/faults.bats).
$(B)/tests/faultinject.so: tests/lib/faultinject.c
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -fPIC -shared -o $@ $< -ldl

# Every test through prove (TAP): C unit tests and one bats file per program.
# MSPIPE_BIN tells the bats tests which binaries to run.
test: all unit $(BADINPUT)
	MSPIPE_BIN=$(CURDIR)/$(BIN) MSPIPE_BUILD=$(CURDIR)/$(B) \
	  prove --exec $(CURDIR)/tests/exec.sh $(PROVEFLAGS) $(UNITS) $(BATS) $(BADINPUT)

# FerretDB (a MongoDB wire-protocol server, from the Go module proxy) for the
# MongoDB backend tests; built once, when the binary is missing.
check: deps
	@test -x build/go/bin/ferretdb || sh scripts/ferretdb.sh || \
	  echo "make: FerretDB did not build; the MongoDB backend tests skip (CI: fail)"
	$(MAKE) test

demo: deps
	$(MAKE) all
	sh examples/demo/run.sh

bench: deps
	$(MAKE) all
	sh bench/run.sh

FUZZ_SECONDS ?= 60
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
# libmspipe compiled once with the fuzzer's instrumentation into an archive,
# so each target links only the objects it uses.  clang 14 does not get
# glibc's CMPLX (glibc defines it for GCC >= 4.7 only), hence the definition.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -DMSP_VERSION_STRING='"$(VERSION)"' -Iinclude \
  '-DCMPLX(x,y)=__builtin_complex((double)(x),(double)(y))' $(PKG_CFLAGS) \
  -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -DMSP_IOBLOCK=4096 -DMSP_DIRECT_MIN=512 \
  -DMSP_GRID_MIN=16384
FUZZ_LIBOBJ := $(LIB_SRC:lib/%.c=build-fuzz/lib/%.o)
# A lib file that only GCC compiles (vector builtins) is left out of the
# archive with a note; a target that needs it then fails to link, loudly.
build-fuzz/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(Q)clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $< 2>$@.log || \
	  { echo "fuzz: $< does not compile with clang (see $@.log); left out of the fuzz library"; rm -f $@; }
build-fuzz/libmspipe-fuzz.a: $(FUZZ_LIBOBJ)
	@rm -f $@
	$(Q)ar rcs $@ build-fuzz/lib/*.o # the shell's glob: make's directory cache may predate the objects
build-fuzz/fuzz_%: fuzz/fuzz_%.c build-fuzz/libmspipe-fuzz.a
	@mkdir -p $(@D)
	$(Q)clang $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer -o $@ $< build-fuzz/libmspipe-fuzz.a $(LIBS_ALL)
# header changes rebuild the fuzz objects and targets too
-include $(wildcard build-fuzz/lib/*.d build-fuzz/*.d)
fuzz: deps
	$(MAKE) $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  n=$$(basename $$f); mkdir -p build-fuzz/corpus/$$n; \
	  sh fuzz/seed-corpus.sh $$n build-fuzz/corpus/$$n; \
	  echo "== $$n for $(FUZZ_SECONDS) s"; \
	  opts=$$(sed -n "s/^$$n //p" fuzz/options); \
	  MONGOC_DISABLE_SHM=1 $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$opts build-fuzz/corpus/$$n || exit 1; \
	done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include/mspipe $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libmspipe.so.0 $(DESTDIR)$(PREFIX)/lib/libmspipe.so
	install -m 644 include/*.h $(DESTDIR)$(PREFIX)/include/mspipe/
	install -m 644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	  -e 's|@PKGS@|$(PKGS)|g' mspipe.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/mspipe.pc

clean:
	rm -rf build build-san build-fuzz bin

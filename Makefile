# Makefile -- qgate: plain make + pkg-config
#
#   make            build every executable into build/bin (-O2 -g)
#   make check      unit + end-to-end tests under ASan/UBSan; ends "N passed, N failed, N skipped"
#   make install    PREFIX=/usr/local DESTDIR=  executables, man pages, public headers,
#                   library, pkg-config file (qgate.pc); `make uninstall` removes exactly those
#   make cross      CROSS=aarch64-linux-gnu-: compile every lib/ and gates/ object for another
#                   architecture (no link) into build/cross-<arch>
#   SIMD=0          (any target) compile with -DQG_SIMD=0: every vector path compiled out;
#                   builds go to build/simd0 (check: build/asan-simd0) so no object is mixed
#   make coverage   gcov/lcov HTML in build/coverage/html and a summary line
#   make fuzz       every libFuzzer target for a short run (FUZZ_SECONDS=20)
#   make bench      benchmarks in tests/bench (slow; run by hand)
#   make demo       run the gates on the bundled examples
#   make image      an OCI image layout of the programs in $(B)/image (ci/image.sh)
#
# libgit2, libcurl and libcrypto are loaded on first use (dlopen of their
# sonames), so `qgate-x --version` starts in about a millisecond; only their
# headers are needed at build time.

# The one version source is include/qgate/version.h (QG_VERSION); the
# Makefile, qgate.pc, the installed man pages and libcurl's User-Agent
# (QG_VERSION_STR) take it from there.
VERSION := $(shell sed -n 's/^[#]define QG_VERSION "\([^"]*\)".*/\1/p' include/qgate/version.h)
ifeq ($(VERSION),)
$(error cannot read QG_VERSION from include/qgate/version.h)
endif
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR ?= $(PREFIX)/share/man
SIMD ?=
B ?= build$(if $(SIMD),/simd$(SIMD))

# A build folder remembers the compiler and flags it was built with (written
# by check-build), so a later `make install B=build/asan` (t_install.sh) uses
# them too instead of relinking sanitized objects without the sanitizers.
-include $(B)/build-flags.mk
CC ?= cc
PKG_CONFIG ?= pkg-config
LINK_PKGS := libcjson zlib libzstd expat libpcre2-8 yaml-0.1
DL_PKGS := libgit2 libcurl libcrypto
ALL_PKGS := $(LINK_PKGS) $(DL_PKGS) cmocka

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LINK_PKGS) $(DL_PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(LINK_PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

soname = $(or $(shell objdump -p "$$($(PKG_CONFIG) --variable=libdir $(1) 2>/dev/null)/$(2)" 2>/dev/null | awk '/SONAME/ {print $$2}'),$(3))
SONAME_DEFS := -DQG_LIBGIT2_SONAME='"$(call soname,libgit2,libgit2.so,libgit2.so.1.5)"' \
	-DQG_LIBCURL_SONAME='"$(call soname,libcurl,libcurl.so,libcurl.so.4)"' \
	-DQG_LIBCRYPTO_SONAME='"$(call soname,libcrypto,libcrypto.so,libcrypto.so.3)"'

OPT ?= -O2 -g
SAN ?=
# SIMD=0 compiles every vector path out (include/qgate/cpu.h).
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CPPFLAGS += -Iinclude $(SONAME_DEFS) -DQG_VERSION_STR='"$(VERSION)"' $(if $(SIMD),-DQG_SIMD=$(SIMD))
ALL_CFLAGS = $(WARN) $(OPT) $(SAN) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN) -Wl,--as-needed $(LDFLAGS)
LIBS_ALL = $(PKG_LIBS) -ldl -lm -lpthread

LIB_SRCS := $(sort $(wildcard lib/*/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
LIBQGATE := $(B)/libqgate.a

GATE_DIRS := $(sort $(notdir $(wildcard gates/*)))
prog_of = $(if $(filter qgate,$(1)),qgate,qgate-$(1))
PROGS := $(foreach g,$(GATE_DIRS),$(B)/bin/$(call prog_of,$(g)))

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(B)/%)

.PHONY: all check check-build check-run unit e2e install uninstall cross cross-objs print-version print-public-headers coverage fuzz bench demo deps clean lint-workflows image
.DEFAULT_GOAL := all

all: $(PROGS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBQGATE): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# One executable per gates/<dir>: gates/qgate is the front `qgate`.
define GATE_RULES
$(1)_SRCS := $$(sort $$(wildcard gates/$(1)/*.c))
$(1)_OBJS := $$($(1)_SRCS:%.c=$(B)/%.o)
$(1)_LIBOBJS := $$(filter-out $(B)/gates/$(1)/main.o,$$($(1)_OBJS))
$(B)/bin/$(call prog_of,$(1)): $$($(1)_OBJS) $(LIBQGATE)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$($(1)_OBJS) $(LIBQGATE) $$(LIBS_ALL)
endef
$(foreach g,$(GATE_DIRS),$(eval $(call GATE_RULES,$(g))))

# Unit tests: tests/unit/test_<gate>_*.c also link that gate's objects (minus
# main.o); tests/unit/mock_<name>.c is linked into test_<name> with the
# linker flags in tests/unit/test_<name>.wrap (-Wl,--wrap=...).
gate_of_test = $(firstword $(filter $(GATE_DIRS),$(word 2,$(subst _, ,$(notdir $(1))))))
define UNIT_RULES
$(B)/tests/unit/$(1): $(B)/tests/unit/$(1).o $$(if $$(wildcard tests/unit/mock_$(patsubst test_%,%,$(1)).c),$(B)/tests/unit/mock_$(patsubst test_%,%,$(1)).o) $$($$(call gate_of_test,$(1))_LIBOBJS) $(LIBQGATE)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(shell cat tests/unit/$(1).wrap 2>/dev/null) $(LIBQGATE) $$(CMOCKA_LIBS) $$(LIBS_ALL)
endef
$(foreach t,$(notdir $(UNIT_SRCS:.c=)),$(eval $(call UNIT_RULES,$(t))))
$(B)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Igates $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -MMD -MP -c $< -o $@

unit: $(UNIT_BINS)

deps:
	@ci/install-deps --quiet

# `make check`: sanitizer build in build/asan, then every test.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# CHECK_B and TESTS (a name filter) let several people test side by side.
CHECK_B ?= build/asan$(if $(SIMD),-simd$(SIMD))
TESTS ?=
# The address-space faults (ulimit -v) need binaries without sanitizers (ASan
# reserves terabytes of shadow memory up front): the release build in
# $(CHECK_REL_B) runs those, unless QG_FAULT_REL_BIN names others.
CHECK_REL_B ?= $(B)
check: deps
	@$(MAKE) --no-print-directory B=$(CHECK_B) OPT="-O1 -g" SAN="$(SAN_FLAGS)" check-build
	@$(MAKE) --no-print-directory B=$(CHECK_REL_B) all
	@QG_FAULT_REL_BIN=$${QG_FAULT_REL_BIN:-$(CURDIR)/$(CHECK_REL_B)/bin} B=$(CHECK_B) tests/run $(TESTS)

check-build: all unit
	@printf 'CC := %s\nOPT := %s\nSAN := %s\n' '$(CC)' '$(OPT)' '$(SAN)' >$(B)/build-flags.mk

coverage: deps
	@$(MAKE) --no-print-directory B=build/cov OPT="-O0 -g" SAN="--coverage -fprofile-update=atomic" check-build
	@find build/cov -name '*.gcda' -delete
	-@B=build/cov tests/run >build/cov/tests.log 2>&1; tail -1 build/cov/tests.log
	@lcov -q --capture --directory build/cov --output-file build/cov/coverage.info --exclude '/usr/*' --exclude '*/tests/*' 2>/dev/null
	@genhtml -q build/cov/coverage.info --output-directory build/coverage/html
	@lcov --summary build/cov/coverage.info 2>&1 | \
		awk '/lines\.+:|functions\.+:/ {sub(/\.+:/, ""); sub(/^ +/, ""); s = s (s ? ", " : "") $$0} END {print "coverage: " s " (HTML: build/coverage/html/index.html)"}'

FUZZ_SECONDS ?= 20
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
fuzz: deps
	@$(MAKE) --no-print-directory B=build/fuzz CC=clang OPT="-O1 -g" \
		SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" fuzz-build
	@tests/fuzz/run build/fuzz $(FUZZ_SECONDS)

define FUZZ_RULES
$(B)/tests/fuzz/$(1): tests/fuzz/$(1).c $$($$(call gate_of_test,$(1))_LIBOBJS) $(LIBQGATE)
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) -Igates $$(ALL_CFLAGS) -fsanitize=fuzzer -o $$@ $$(filter %.c %.o,$$^) $(LIBQGATE) $$(LIBS_ALL)
endef
$(foreach t,$(notdir $(FUZZ_SRCS:.c=)),$(eval $(call FUZZ_RULES,$(t))))
fuzz-build: $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/tests/fuzz/%)

bench: all
	@tests/bench/run

demo: deps
	@$(MAKE) --no-print-directory all
	@examples/demo.sh build/bin

# The OCI image (no base image): ci/image.sh, docs/image.md; `skopeo inspect oci:$(B)/image:qgate`
image: all
	QG_LIBGIT2_SONAME=$(call soname,libgit2,libgit2.so,libgit2.so.1.5) \
	QG_LIBCURL_SONAME=$(call soname,libcurl,libcurl.so,libcurl.so.4) \
	QG_LIBCRYPTO_SONAME=$(call soname,libcrypto,libcrypto.so,libcrypto.so.3) \
	ci/image.sh $(B)/bin $(B)/image

# Public headers: what a program linking libqgate.a needs to write a gate
# (results and their reports, options and config, the gate skeleton and
# main(), JSON trees, report files, the version) plus every header they
# include. The rest of include/qgate/ (transports, streams, tables, child
# processes, git, hashes, CPU switches, ...) is internal to the core and the
# gates in this tree, and is not installed.
PUBLIC_ROOTS := common.h result.h report.h gate.h opts.h config.h main.h json.h file.h version.h
qg_incs = $(shell sed -n 's/^[#]include "qgate\/\([^"]*\)".*/\1/p' $(addprefix include/qgate/,$(1)))
qg_closure = $(if $(filter-out $(1),$(call qg_incs,$(1))),$(call qg_closure,$(sort $(1) $(call qg_incs,$(1)))),$(1))
PUBLIC_HEADERS = $(call qg_closure,$(sort $(PUBLIC_ROOTS)))
PC_REQUIRES := $(LINK_PKGS)

# qgate.pc is made at each install (PREFIX and LIBDIR may differ each time);
# the man pages are installed with the version from version.h in their .TH line.
install: all
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
		-e 's|@VERSION@|$(VERSION)|g' -e 's|@REQUIRES@|$(PC_REQUIRES)|g' qgate.pc.in >$(B)/qgate.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/qgate \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(PKGCONFIGDIR)
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(LIBQGATE) $(DESTDIR)$(LIBDIR)/
	install -m 644 $(addprefix include/qgate/,$(PUBLIC_HEADERS)) $(DESTDIR)$(INCLUDEDIR)/qgate/
	install -m 644 $(B)/qgate.pc $(DESTDIR)$(PKGCONFIGDIR)/
	for p in $(notdir $(PROGS)); do \
		sed '/^\.TH /s/"qgate [^"]*"/"qgate $(VERSION)"/' docs/$$p.1 >$(DESTDIR)$(MANDIR)/man1/$$p.1 && \
		chmod 644 $(DESTDIR)$(MANDIR)/man1/$$p.1 || exit 1; done

# Removes exactly the files install wrote, and include/qgate/ when that
# leaves it empty; shared folders (bin/, lib/pkgconfig/, ...) stay.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PROGS))) \
		$(DESTDIR)$(LIBDIR)/$(notdir $(LIBQGATE)) \
		$(addprefix $(DESTDIR)$(INCLUDEDIR)/qgate/,$(PUBLIC_HEADERS)) \
		$(DESTDIR)$(PKGCONFIGDIR)/qgate.pc \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(addsuffix .1,$(notdir $(PROGS))))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/qgate 2>/dev/null

# `make cross CROSS=aarch64-linux-gnu-`: every lib/ and gates/ object built by
# $(CROSS)gcc, so a non-x86 target cannot break unseen. The headers of the
# libraries are architecture-independent: the host's include folders come
# after the cross compiler's own (-idirafter). Nothing is linked.
CROSS ?= aarch64-linux-gnu-
CROSS_ARCH = $(firstword $(subst -, ,$(CROSS)))
HOST_MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
CROSS_INCS = -idirafter /usr/include $(if $(HOST_MULTIARCH),-idirafter /usr/include/$(HOST_MULTIARCH))
GATE_OBJS = $(foreach g,$(GATE_DIRS),$($(g)_OBJS))
cross:
	@command -v $(CROSS)gcc >/dev/null || { echo "make cross: $(CROSS)gcc not found (Debian: apt-get install gcc-$(CROSS:%-=%))" >&2; exit 1; }
	@$(MAKE) --no-print-directory B=build/cross-$(CROSS_ARCH) CC=$(CROSS)gcc \
		PKG_CFLAGS="$(filter-out -I/usr/include/$(HOST_MULTIARCH),$(PKG_CFLAGS))" \
		CFLAGS="$(CFLAGS) $(CROSS_INCS)" cross-objs
	@echo "cross: $(words $(LIB_OBJS) $(GATE_OBJS)) objects of lib/ and gates/ built by $(CROSS)gcc in build/cross-$(CROSS_ARCH)"
cross-objs: $(LIB_OBJS) $(GATE_OBJS)

print-version:
	@echo $(VERSION)
print-public-headers:
	@echo $(PUBLIC_HEADERS)

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)

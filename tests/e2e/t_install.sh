#!/bin/sh
# t_install.sh -- `make install PREFIX=... DESTDIR=...` installs executables,
# man pages, the public headers (only those), the library and qgate.pc; the
# installed front finds the installed gates next to itself; a program compiled
# and linked with `pkg-config --cflags --libs qgate` runs; `make uninstall`
# removes exactly what install wrote; the version comes from version.h alone.
. "$(dirname "$0")/lib.sh"

B=${QG_BUILD#"$QG_ROOT"/}
VER=$(sed -n 's/^#define QG_VERSION "\([^"]*\)".*/\1/p' "$QG_ROOT/include/qgate/version.h")
printf '%s\n' "$VER" >"$T/ver"
expect_grep "version.h holds an X.Y.Z version" '^[0-9]+\.[0-9]+\.[0-9]+$' "$T/ver"
expect_eq "the Makefile's VERSION is version.h's" "$(make -s -C "$QG_ROOT" print-version)" "$VER"
expect_no_grep "no version literal in the Makefile" '^VERSION *[:?]?= *[0-9]' "$QG_ROOT/Makefile"

make -s -C "$QG_ROOT" install B="$B" PREFIX=/opt/qg DESTDIR="$T/root" >"$T/make.log" 2>&1
expect_eq "make install exits 0" "$?" "0"
P=$T/root/opt/qg
for g in "$QG_BIN"/qgate*; do
	n=$(basename "$g")
	expect_file "$n installed" "$P/bin/$n"
	expect_file "$n man page installed" "$P/share/man/man1/$n.1"
	if man -l "$P/share/man/man1/$n.1" >/dev/null 2>&1 || ! command -v man >/dev/null; then
		ok "$n.1 renders"
	else
		not_ok "$n.1 does not render with man -l"
	fi
	expect_grep "$n.1 carries version.h's version" "^\\.TH .*\"qgate $VER\"" "$P/share/man/man1/$n.1"
done
expect_file "libqgate.a installed" "$P/lib/libqgate.a"
expect_file "qgate.pc installed" "$P/lib/pkgconfig/qgate.pc"
expect_grep "qgate.pc has version.h's version" "^Version: $VER\$" "$P/lib/pkgconfig/qgate.pc"
expect_grep "qgate.pc names the install prefix" '^libdir=/opt/qg/lib$' "$P/lib/pkgconfig/qgate.pc"

# Public headers only: the gate-author API and what it includes.
for h in common.h error.h buf.h strvec.h result.h report.h gate.h opts.h config.h main.h json.h file.h version.h; do
	expect_file "public header $h installed" "$P/include/qgate/$h"
done
for h in http.h s3.h sigv4.h sha256.h stream.h table.h run.h git.h utf8.h cpu.h path.h; do
	[ -f "$QG_ROOT/include/qgate/$h" ] || continue
	expect_no_file "internal header $h not installed" "$P/include/qgate/$h"
done
missing=""
for h in "$P"/include/qgate/*.h; do
	for inc in $(sed -n 's/^#include "qgate\/\([^"]*\)".*/\1/p' "$h"); do
		[ -f "$P/include/qgate/$inc" ] || missing="$missing $(basename "$h")->$inc"
	done
	printf '#include "qgate/common.h"\n#include "qgate/%s"\n' "$(basename "$h")" >"$T/hdr.c"
	if ! cc -std=c11 -Wall -Werror -fsyntax-only -I"$P/include" "$T/hdr.c" >"$T/hdr.log" 2>&1; then
		missing="$missing $(basename "$h")(does not compile alone)"
		sed 's/^/#   /' "$T/hdr.log" | head -5
	fi
done
expect_eq "every installed header compiles from the install, with all it includes" "${missing:-none}" "none"

# The installed front finds its gates beside itself even with an empty PATH.
PATH=/usr/bin:/bin "$P/bin/qgate" data --version >"$T/v" 2>&1
expect_eq "installed 'qgate data --version' exits 0" "$?" "0"
expect_grep "it ran the installed qgate-data, version.h's version" "^qgate-data $VER( |\$)" "$T/v"

make -s -C "$QG_ROOT" uninstall B="$B" PREFIX=/opt/qg DESTDIR="$T/root" >"$T/make.log" 2>&1
expect_eq "make uninstall (DESTDIR) exits 0" "$?" "0"
expect_eq "no file left after uninstall" "$(find "$T/root" -type f | head -3 | tr '\n' ' ')" ""

# pkg-config: install into a prefix, compile and link a program against it.
PFX=$T/pfx
mkdir -p "$PFX/bin" "$PFX/include"
echo "not ours" >"$PFX/bin/other-tool"
echo "not ours" >"$PFX/include/other.h"
make -s -C "$QG_ROOT" install B="$B" PREFIX="$PFX" >"$T/make.log" 2>&1
expect_eq "make install PREFIX=... exits 0" "$?" "0"
export PKG_CONFIG_PATH="$PFX/lib/pkgconfig"
expect_eq "pkg-config --modversion qgate" "$(pkg-config --modversion qgate 2>&1)" "$VER"
cat >"$T/use.c" <<'EOC'
#include "qgate/common.h"
#include "qgate/result.h"
#include "qgate/report.h"
#include "qgate/version.h"

int main(void)
{
	struct qg_result r;
	const struct qg_result *rs[] = { &r };
	struct qg_buf b = QG_BUF_INIT(QG_CAP_REPORT);

	if (qg_result_init(&r, "demo", QG_VERSION))
		return 3;
	qg_result_add_check(&r, "demo.one", QG_STATUS_PASS, "fine");
	qg_result_add_check(&r, "demo.two", QG_STATUS_FAIL, "not fine");
	if (qg_junit_write(&b, rs, 1))
		return 3;
	fputs(b.buf, stdout);
	printf("exit=%d\n", qg_result_exit_code(&r));
	qg_buf_release(&b);
	qg_result_release(&r);
	return 0;
}
EOC
# The library was built with the test build's instrumentation: link with it.
extra=""
if nm "$PFX/lib/libqgate.a" 2>/dev/null | grep -q '__asan_'; then extra="$extra -fsanitize=address"; fi
if nm "$PFX/lib/libqgate.a" 2>/dev/null | grep -q '__ubsan_'; then extra="$extra -fsanitize=undefined"; fi
if nm "$PFX/lib/libqgate.a" 2>/dev/null | grep -q '__gcov'; then extra="$extra --coverage"; fi
# shellcheck disable=SC2046,SC2086
cc -std=c11 -o "$T/use" "$T/use.c" $(pkg-config --cflags --libs qgate) $extra >"$T/cc.log" 2>&1
expect_eq "a program compiles and links with \`pkg-config --cflags --libs qgate\`" "$?" "0"
sed 's/^/#   /' "$T/cc.log" | head -10
"$T/use" >"$T/use.out" 2>&1
expect_eq "it runs" "$?" "0"
expect_grep "it wrote JUnit through the installed library" '<testsuite name="qgate.demo" tests="2" failures="1"' "$T/use.out"
expect_grep "and decided the verdict" '^exit=1$' "$T/use.out"

make -s -C "$QG_ROOT" uninstall B="$B" PREFIX="$PFX" >"$T/make.log" 2>&1
expect_eq "make uninstall exits 0" "$?" "0"
expect_eq "uninstall leaves only what was there before" "$(cd "$PFX" && find . -type f | sort | tr '\n' ' ')" "./bin/other-tool ./include/other.h "
expect_no_file "include/qgate/ removed" "$PFX/include/qgate"
done_testing

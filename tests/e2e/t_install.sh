#!/bin/sh
# t_install.sh -- `make install PREFIX=... DESTDIR=...` installs executables,
# man pages, headers and the library, and the installed front finds the
# installed gates next to itself.
. "$(dirname "$0")/lib.sh"

B=${QG_BUILD#"$QG_ROOT"/}
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
done
expect_file "libqgate.a installed" "$P/lib/libqgate.a"
expect_file "headers installed" "$P/include/qgate/result.h"
# The installed front finds its gates beside itself even with an empty PATH.
PATH=/usr/bin:/bin "$P/bin/qgate" data --version >"$T/v" 2>&1
expect_eq "installed 'qgate data --version' exits 0" "$?" "0"
expect_grep "it ran the installed qgate-data" '^qgate-data [0-9]+\.[0-9]+\.[0-9]+' "$T/v"
done_testing

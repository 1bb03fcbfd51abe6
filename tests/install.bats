#!/usr/bin/env bats
# install: make install puts tools, man pages, headers, the library and
# mspipe.pc under PREFIX (and DESTDIR); a program compiled against the
# installed pkg-config file writes a stream that the installed msinfo reads.
load lib/common

# A normal (not sanitized) build: the installed library must link into a
# plain program.
install_to() {
	env -u MAKEFLAGS -u MAKELEVEL -u SANITIZE make -s -C "$REPO" install "$@" >"$TMP/make.log" 2>&1 ||
		{ cat "$TMP/make.log"; return 1; }
}

@test "make install PREFIX: tools, man pages, headers, library, mspipe.pc" {
	install_to PREFIX="$TMP/p"
	for t in "$REPO"/tools/ms*.c; do
		n=$(basename "$t" .c)
		[ -x "$TMP/p/bin/$n" ] || { echo "missing bin/$n"; return 1; }
		[ -f "$TMP/p/share/man/man1/$n.1" ] || { echo "missing man1/$n.1"; return 1; }
	done
	[ -f "$TMP/p/share/man/man5/mspipe.5" ]
	[ -f "$TMP/p/share/man/man7/mspipe.7" ]
	[ -f "$TMP/p/include/mspipe/msp_stream.h" ]
	[ -f "$TMP/p/include/mspipe/msp_record.h" ]
	[ -f "$TMP/p/lib/libmspipe.a" ]
	[ -f "$TMP/p/lib/libmspipe.so.0" ]
	[ -L "$TMP/p/lib/libmspipe.so" ]
	grep -qx "prefix=$TMP/p" "$TMP/p/lib/pkgconfig/mspipe.pc"
	run "$TMP/p/bin/msinfo" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "msinfo (mspipe "* ]]
	MANPATH="$TMP/p/share/man" man -w mspipe.5 >/dev/null 2>&1 || man -w "$TMP/p/share/man/man5/mspipe.5" >/dev/null
}

@test "a program built with the installed pkg-config file writes a stream msinfo reads" {
	install_to PREFIX="$TMP/p"
	cat > "$TMP/hello.c" <<'C'
#include <stdio.h>
#include <unistd.h>
#include <msp_stream.h>
#include <msp_meta.h>
int main(void)
{
	msp_writer *w;
	msp_record *r = msp_record_new();
	if (!r || msp_writer_open(&w, STDOUT_FILENO, "stdout"))
		return 1;
	msp_record_resize(r, MSP_TIMESERIES, 3);
	r->data[0] = 1; r->data[1] = 2; r->data[2] = 3;
	r->t0 = 1299822383.2; r->dt = 0.5;
	msp_meta_set_string(r->meta, "sta", "HELLO");
	if (msp_writer_put(w, r) || msp_writer_finish(w))
		return 1;
	msp_writer_close(w);
	msp_record_free(r);
	return 0;
}
C
	export PKG_CONFIG_PATH="$TMP/p/lib/pkgconfig"
	pkg-config --modversion mspipe
	# shared library
	cc -o "$TMP/hello" "$TMP/hello.c" $(pkg-config --cflags --libs mspipe)
	LD_LIBRARY_PATH="$TMP/p/lib" "$TMP/hello" > "$TMP/out.msp"
	run sh -c "'$TMP/p/bin/msinfo' --samples < '$TMP/out.msp'"
	[ "$status" -eq 0 ]
	[[ "$output" == '{"t0":1299822383.2,"dt":0.5,"npts":3,'* ]]
	[[ "$output" == *'"metadata":{ "sta" : "HELLO" }'*'"data":[1,2,3]}' ]]
	# static library
	cc -o "$TMP/hello-static" "$TMP/hello.c" $(pkg-config --cflags mspipe) \
		"$TMP/p/lib/libmspipe.a" $(pkg-config --static --libs mspipe | sed 's/-lmspipe//')
	"$TMP/hello-static" | cmp - "$TMP/out.msp"
}

@test "make install DESTDIR stages under DESTDIR with the final PREFIX in mspipe.pc" {
	install_to PREFIX=/opt/mspipe DESTDIR="$TMP/stage"
	[ -x "$TMP/stage/opt/mspipe/bin/mscat" ]
	[ -f "$TMP/stage/opt/mspipe/lib/pkgconfig/mspipe.pc" ]
	grep -qx "prefix=/opt/mspipe" "$TMP/stage/opt/mspipe/lib/pkgconfig/mspipe.pc"
	[ ! -e /opt/mspipe/bin/mscat ] || [ -n "${MSPIPE_ALLOW_OPT:-}" ]
}

# src/util: buffers, logging, errors, instance lookup, control files, file I/O,
# address parsing. Everything in herald links this library.
noinst_LIBRARIES += src/util/libutil.a
src_util_libutil_a_SOURCES = \
	src/util/buf.c src/util/buf.h \
	src/util/err.c src/util/err.h \
	src/util/log.c src/util/log.h \
	src/util/home.c src/util/home.h \
	src/util/control.c src/util/control.h \
	src/util/fsio.c src/util/fsio.h \
	src/util/date.c src/util/date.h \
	src/util/strmap.c src/util/strmap.h \
	src/util/addr.c src/util/addr.h \
	src/util/addr_envelope.c src/util/addr_envelope.h

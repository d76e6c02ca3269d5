# src/inject: what herald-inject and sendmail share: reading the message,
# rewriting its header, qualifying addresses, running herald-queue.
noinst_LIBRARIES += src/inject/libinject.a
src_inject_libinject_a_SOURCES = \
	src/inject/inject.c src/inject/inject.h \
	src/inject/inject_addr.c src/inject/inject_addr.h \
	src/inject/inject_conf.c src/inject/inject_conf.h \
	src/inject/inject_hdr.c src/inject/inject_hdr.h \
	src/inject/inject_in.c src/inject/inject_in.h \
	src/inject/inject_opt.c src/inject/inject_opt.h \
	src/inject/inject_queue.c src/inject/inject_queue.h
src_inject_libinject_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/inject \
	-DHERALD_BINDIR='"$(bindir)"'

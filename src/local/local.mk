# src/local: local delivery with qmail-local's semantics (.qmail files,
# Maildir, mbox, programs, forwards); herald-local is its command line.
noinst_LIBRARIES += src/local/liblocal.a
src_local_liblocal_a_SOURCES = \
	src/local/local.c src/local/local.h \
	src/local/local_dot.c src/local/local_dot.h \
	src/local/local_env.c src/local/local_env.h \
	src/local/local_fwd.c src/local/local_fwd.h \
	src/local/local_main.c src/local/local_main.h \
	src/local/local_maildir.c src/local/local_maildir.h \
	src/local/local_mbox.c src/local/local_mbox.h \
	src/local/local_msg.c src/local/local_msg.h \
	src/local/local_prog.c src/local/local_prog.h
src_local_liblocal_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/local \
	-I$(top_srcdir)/src/inject
LOCAL_LIBS = src/local/liblocal.a src/inject/libinject.a $(HERALD_LIBS)

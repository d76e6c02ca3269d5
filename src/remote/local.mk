# src/remote: herald-remote's SMTP client and delivery engine.
noinst_LIBRARIES += src/remote/libremote.a
src_remote_libremote_a_SOURCES = \
	src/remote/smtpc.c src/remote/smtpc.h \
	src/remote/smtpc_txn.c src/remote/smtpc_txn.h \
	src/remote/smtpc_reply.c src/remote/smtpc_reply.h \
	src/remote/smtpc_body.c src/remote/smtpc_body.h \
	src/remote/remote.c src/remote/remote.h \
	src/remote/remote_conf.c \
	src/remote/remote_conn.c \
	src/remote/remote_dom.c \
	src/remote/remote_msg.c \
	src/remote/remote_state.c
src_remote_libremote_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/remote \
	-I$(top_srcdir)/src/net -I$(top_srcdir)/src/dns -I$(top_srcdir)/src/lspawn \
	$(CARES_CFLAGS) $(OPENSSL_CFLAGS)
REMOTE_LIBS = src/remote/libremote.a src/dns/libdns.a src/lspawn/liblspawn.a \
	$(NET_LIBS) $(HERALD_LIBS) $(CARES_LIBS)

check_PROGRAMS += t/unit/check_smtpc
TESTS += t/unit/check_smtpc
t_unit_check_smtpc_SOURCES = t/unit/check_smtpc.c
t_unit_check_smtpc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/remote
t_unit_check_smtpc_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_smtpc_LDADD = src/remote/libremote.a $(UNIT_LDADD)

TESTS += t/integ/remote-crash.t
EXTRA_DIST += t/integ/remote-crash.t

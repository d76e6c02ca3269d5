# src/net: the one network I/O layer (buffering, deadlines, TLS): netio for
# blocking programs (herald-smtpd), ev + conn for event-driven ones
# (herald-remote).
noinst_LIBRARIES += src/net/libnet.a
src_net_libnet_a_SOURCES = \
	src/net/conn.c src/net/conn.h src/net/conn_int.h src/net/conn_io.c \
	src/net/ev.c src/net/ev.h \
	src/net/netio.c src/net/netio.h \
	src/net/tls.c src/net/tls.h
src_net_libnet_a_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS)
NET_LIBS = src/net/libnet.a $(OPENSSL_LIBS)

# conn and ev: unit tests (loopback sockets, servers in child processes),
# and TLS against a Python ssl server driving t/integ/test_conn.
check_PROGRAMS += t/unit/check_conn t/unit/check_conn_io t/integ/test_conn
TESTS += t/unit/check_conn t/unit/check_conn_io t/integ/conn.t
EXTRA_DIST += t/integ/conn.t
CONN_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/net -I$(top_srcdir)/t/unit
t_unit_check_conn_SOURCES = t/unit/check_conn.c t/unit/connlib.c t/unit/connlib.h
t_unit_check_conn_CPPFLAGS = $(CONN_TEST_CPPFLAGS)
t_unit_check_conn_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_conn_LDADD = $(NET_LIBS) $(UNIT_LDADD)
t_unit_check_conn_io_SOURCES = t/unit/check_conn_io.c t/unit/connlib.c t/unit/connlib.h
t_unit_check_conn_io_CPPFLAGS = $(CONN_TEST_CPPFLAGS)
t_unit_check_conn_io_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_conn_io_LDADD = $(NET_LIBS) $(UNIT_LDADD)
t_integ_test_conn_SOURCES = t/integ/test_conn.c
t_integ_test_conn_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/net $(OPENSSL_CFLAGS)
t_integ_test_conn_LDADD = $(NET_LIBS) $(HERALD_LIBS)

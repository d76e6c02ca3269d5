# src/tcpd: herald-tcpd's listener loop, access rules, per-client limits and
# workers, and the worker side of worker mode for the programs it runs.
noinst_LIBRARIES += src/tcpd/libtcpd.a
src_tcpd_libtcpd_a_SOURCES = \
	src/tcpd/tcpd.c src/tcpd/tcpd.h \
	src/tcpd/tcpd_limit.c src/tcpd/tcpd_limit.h \
	src/tcpd/tcpd_pool.c src/tcpd/tcpd_pool.h \
	src/tcpd/tcpd_rules.c src/tcpd/tcpd_rules.h \
	src/tcpd/tcpd_worker.c src/tcpd/tcpd_worker.h
src_tcpd_libtcpd_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/tcpd
dist_man_MANS += man/herald-tcpd.8 man/herald-tcprules.5

check_PROGRAMS += t/unit/check_tcpd t/unit/check_tcpd_worker
TESTS += t/unit/check_tcpd t/unit/check_tcpd_worker t/integ/tcpd.t t/integ/tcpd-worker.t
EXTRA_DIST += t/integ/tcpd.t t/integ/tcpd-worker.t t/integ/tcpdlib.py
t_unit_check_tcpd_SOURCES = t/unit/check_tcpd.c
t_unit_check_tcpd_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/tcpd
t_unit_check_tcpd_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_tcpd_LDADD = src/tcpd/libtcpd.a $(UNIT_LDADD)
t_unit_check_tcpd_worker_SOURCES = t/unit/check_tcpd_worker.c
t_unit_check_tcpd_worker_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/tcpd
t_unit_check_tcpd_worker_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_tcpd_worker_LDADD = src/tcpd/libtcpd.a $(UNIT_LDADD)

# src/dns: asynchronous DNS (c-ares on herald's event loop) for herald-remote:
# MX and address lookups, control/resolvers, a cache that honours TTLs.
noinst_LIBRARIES += src/dns/libdns.a
src_dns_libdns_a_SOURCES = \
	src/dns/dns.c src/dns/dns.h \
	src/dns/dns_ares.c src/dns/dns_ares.h \
	src/dns/dns_cache.c src/dns/dns_cache.h \
	src/dns/dns_conf.c src/dns/dns_conf.h \
	src/dns/dns_name.c src/dns/dns_name.h \
	src/dns/dns_res.c src/dns/dns_res.h \
	src/dns/dns_wire.c src/dns/dns_wire.h
DNS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/dns -I$(top_srcdir)/src/net $(CARES_CFLAGS)
src_dns_libdns_a_CPPFLAGS = $(DNS_CPPFLAGS)
DNS_LIBS = src/dns/libdns.a src/net/libnet.a $(CARES_LIBS)

# unit tests (src/dns and the event loop it runs on), and test_dns, the
# driver of t/integ/dns.t (DNS servers on loopback: dnsmasq and dnslib.py)
DNS_UNIT_TESTS = t/unit/check_dns t/unit/check_dns_res t/unit/check_dns_wire \
	t/unit/check_dns_cache t/unit/check_ev
check_PROGRAMS += $(DNS_UNIT_TESTS) t/integ/test_dns
TESTS += $(DNS_UNIT_TESTS) t/integ/dns.t
EXTRA_DIST += t/integ/dns.t t/integ/dnslib.py
t_unit_check_dns_SOURCES = t/unit/check_dns.c
t_unit_check_dns_CPPFLAGS = $(DNS_CPPFLAGS)
t_unit_check_dns_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_dns_LDADD = $(DNS_LIBS) $(UNIT_LDADD)
t_unit_check_dns_res_SOURCES = t/unit/check_dns_res.c
t_unit_check_dns_res_CPPFLAGS = $(DNS_CPPFLAGS)
t_unit_check_dns_res_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_dns_res_LDADD = $(DNS_LIBS) $(UNIT_LDADD)
t_unit_check_dns_wire_SOURCES = t/unit/check_dns_wire.c
t_unit_check_dns_wire_CPPFLAGS = $(DNS_CPPFLAGS)
t_unit_check_dns_wire_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_dns_wire_LDADD = $(DNS_LIBS) $(UNIT_LDADD)
t_unit_check_dns_cache_SOURCES = t/unit/check_dns_cache.c
t_unit_check_dns_cache_CPPFLAGS = $(DNS_CPPFLAGS)
t_unit_check_dns_cache_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_dns_cache_LDADD = $(DNS_LIBS) $(UNIT_LDADD)
t_unit_check_ev_SOURCES = t/unit/check_ev.c
t_unit_check_ev_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/net
t_unit_check_ev_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_ev_LDADD = src/net/libnet.a $(UNIT_LDADD)
t_integ_test_dns_SOURCES = t/integ/test_dns.c
t_integ_test_dns_CPPFLAGS = $(DNS_CPPFLAGS)
t_integ_test_dns_LDADD = $(DNS_LIBS) $(HERALD_LIBS)

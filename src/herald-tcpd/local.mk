# src/herald-tcpd: the TCP listener that runs herald-smtpd (src/tcpd does the work).
bin_PROGRAMS += src/herald-tcpd/herald-tcpd
src_herald_tcpd_herald_tcpd_SOURCES = src/herald-tcpd/main.c
src_herald_tcpd_herald_tcpd_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/tcpd
src_herald_tcpd_herald_tcpd_LDADD = src/tcpd/libtcpd.a $(HERALD_LIBS)

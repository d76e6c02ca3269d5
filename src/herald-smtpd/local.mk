# src/herald-smtpd: the SMTP server program (src/smtpd does the work).
bin_PROGRAMS += src/herald-smtpd/herald-smtpd
src_herald_smtpd_herald_smtpd_SOURCES = src/herald-smtpd/main.c
src_herald_smtpd_herald_smtpd_CPPFLAGS = $(SMTPD_CPPFLAGS) -I$(top_srcdir)/src/tcpd
src_herald_smtpd_herald_smtpd_LDADD = src/tcpd/libtcpd.a $(SMTPD_LIBS)

# herald-newmrh: compiles control/morercpthosts for herald-smtpd.
bin_PROGRAMS += src/herald-newmrh/herald-newmrh
src_herald_newmrh_herald_newmrh_SOURCES = src/herald-newmrh/main.c
src_herald_newmrh_herald_newmrh_CPPFLAGS = $(SMTPD_CPPFLAGS)
src_herald_newmrh_herald_newmrh_LDADD = $(SMTPD_LIBS)

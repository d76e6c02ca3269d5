# src/sendmail: the sendmail command line for mail user agents (src/inject does the work).
bin_PROGRAMS += src/sendmail/sendmail
src_sendmail_sendmail_SOURCES = src/sendmail/main.c
src_sendmail_sendmail_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/inject
src_sendmail_sendmail_LDADD = src/inject/libinject.a $(HERALD_LIBS)

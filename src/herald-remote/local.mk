# src/herald-remote: remote delivery over SMTP (src/remote does the work).
bin_PROGRAMS += src/herald-remote/herald-remote
src_herald_remote_herald_remote_SOURCES = src/herald-remote/main.c
src_herald_remote_herald_remote_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/remote \
	-I$(top_srcdir)/src/net -I$(top_srcdir)/src/dns $(CARES_CFLAGS)
src_herald_remote_herald_remote_LDADD = $(REMOTE_LIBS)
dist_man_MANS += man/herald-remote.8

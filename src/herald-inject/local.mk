# src/herald-inject: qmail-inject's interface (src/inject does the work).
bin_PROGRAMS += src/herald-inject/herald-inject
src_herald_inject_herald_inject_SOURCES = src/herald-inject/main.c
src_herald_inject_herald_inject_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/inject
src_herald_inject_herald_inject_LDADD = src/inject/libinject.a $(HERALD_LIBS)

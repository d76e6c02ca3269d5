# src/herald-local: qmail-local's interface (src/local does the work).
bin_PROGRAMS += src/herald-local/herald-local
src_herald_local_herald_local_SOURCES = src/herald-local/main.c
src_herald_local_herald_local_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/local
src_herald_local_herald_local_LDADD = $(LOCAL_LIBS)

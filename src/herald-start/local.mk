bin_PROGRAMS += src/herald-start/herald-start
src_herald_start_herald_start_SOURCES = src/herald-start/main.c \
	src/herald-start/start.c src/herald-start/start.h
src_herald_start_herald_start_LDADD = src/inject/libinject.a $(HERALD_LIBS)
src_herald_start_herald_start_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/inject

# src: the MTA programs, one directory each with a thin main.c.
HERALD_LIBS = queue/libqueue.a src/util/libutil.a

bin_PROGRAMS += src/herald-queue/herald-queue
src_herald_queue_herald_queue_SOURCES = src/herald-queue/main.c
src_herald_queue_herald_queue_LDADD = $(HERALD_LIBS)

sbin_PROGRAMS += src/herald-setup/herald-setup
src_herald_setup_herald_setup_SOURCES = src/herald-setup/main.c \
	src/herald-setup/setup.c src/herald-setup/setup.h
src_herald_setup_herald_setup_LDADD = src/inject/libinject.a $(HERALD_LIBS)
src_herald_setup_herald_setup_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/inject

bin_PROGRAMS += src/herald-qread/herald-qread src/herald-qstat/herald-qstat
src_herald_qread_herald_qread_SOURCES = src/herald-qread/main.c
src_herald_qread_herald_qread_LDADD = $(HERALD_LIBS)
src_herald_qstat_herald_qstat_SOURCES = src/herald-qstat/main.c
src_herald_qstat_herald_qstat_LDADD = $(HERALD_LIBS)

bin_PROGRAMS += src/herald-clean/herald-clean
src_herald_clean_herald_clean_SOURCES = src/herald-clean/main.c
src_herald_clean_herald_clean_LDADD = $(HERALD_LIBS)

bin_PROGRAMS += src/herald-send/herald-send
src_herald_send_herald_send_SOURCES = src/herald-send/main.c
src_herald_send_herald_send_LDADD = src/send/libsend.a src/inject/libinject.a verp/libverp.a $(HERALD_LIBS)
src_herald_send_herald_send_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/send

# src/send: herald-send, the scheduler: delivery scheduling and bounces (DSN).
noinst_LIBRARIES += src/send/libsend.a
src_send_libsend_a_SOURCES = \
	src/send/send.c src/send/send.h \
	src/send/send_msg.c \
	src/send/send_wait.c \
	src/send/send_bounce.c \
	src/send/send_lproto.c src/send/send_lproto.h \
	src/send/send_route.c src/send/send_route.h \
	src/send/send_retry.c src/send/send_retry.h \
	src/send/send_dsn.c src/send/send_dsn.h
src_send_libsend_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/inject -I$(top_srcdir)/src/send

# src/net: the one network I/O layer (buffering, deadlines, TLS).
noinst_LIBRARIES += src/net/libnet.a
src_net_libnet_a_SOURCES = \
	src/net/netio.c src/net/netio.h \
	src/net/tls.c src/net/tls.h
src_net_libnet_a_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS)
NET_LIBS = src/net/libnet.a $(OPENSSL_LIBS)

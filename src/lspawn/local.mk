# src/lspawn: herald-lspawn's protocol, event loop and children.
noinst_LIBRARIES += src/lspawn/liblspawn.a
src_lspawn_liblspawn_a_SOURCES = \
	src/lspawn/lspawn.c src/lspawn/lspawn.h \
	src/lspawn/lspawn_child.c src/lspawn/lspawn_child.h \
	src/lspawn/lspawn_req.c src/lspawn/lspawn_req.h \
	src/lspawn/lspawn_res.c src/lspawn/lspawn_res.h
src_lspawn_liblspawn_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/lspawn \
	-I$(top_srcdir)/src/users
LSPAWN_LIBS = src/lspawn/liblspawn.a src/local/liblocal.a src/inject/libinject.a $(USERS_LIBS)

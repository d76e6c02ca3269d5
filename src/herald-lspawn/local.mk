# src/herald-lspawn: local deliveries as the right user (src/lspawn does the work).
bin_PROGRAMS += src/herald-lspawn/herald-lspawn
src_herald_lspawn_herald_lspawn_SOURCES = src/herald-lspawn/main.c
src_herald_lspawn_herald_lspawn_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/lspawn \
	-I$(top_srcdir)/src/users -I$(top_srcdir)/src/local
src_herald_lspawn_herald_lspawn_LDADD = $(LSPAWN_LIBS)

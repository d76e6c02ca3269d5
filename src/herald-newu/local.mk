# src/herald-newu: compiles users/assign into users/assign.db (src/users does the work).
sbin_PROGRAMS += src/herald-newu/herald-newu
src_herald_newu_herald_newu_SOURCES = src/herald-newu/main.c
src_herald_newu_herald_newu_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/users
src_herald_newu_herald_newu_LDADD = $(USERS_LIBS)

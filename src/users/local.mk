# src/users: who receives local mail: users/assign (compiled into Berkeley DB
# by herald-newu), system accounts or HOME/users/NAME, and the alias user.
noinst_LIBRARIES += src/users/libusers.a
src_users_libusers_a_SOURCES = \
	src/users/users_assign.c src/users/users_assign.h \
	src/users/users_db.c src/users/users_db.h \
	src/users/users_lookup.c src/users/users.h
src_users_libusers_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/users
USERS_LIBS = src/users/libusers.a $(HERALD_LIBS) $(DB_LIBS)

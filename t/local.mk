# t: unit tests (check, TAP on stdout) and integration tests (TAP scripts
# that drive the real programs in a temporary single-user instance).
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .t
T_LOG_DRIVER = $(LOG_DRIVER)
AM_TESTS_ENVIRONMENT = CK_TAP_LOG_FILE_NAME=- CK_VERBOSITY=silent CK_DEFAULT_TIMEOUT=60 \
	HERALD_BUILD='$(abs_top_builddir)' HERALD_SRC='$(abs_top_srcdir)'; \
	export CK_TAP_LOG_FILE_NAME CK_VERBOSITY CK_DEFAULT_TIMEOUT HERALD_BUILD HERALD_SRC;

UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LDADD = $(HERALD_LIBS) $(CHECK_LIBS)

UNIT_TESTS = \
	t/unit/check_util \
	t/unit/check_addr \
	t/unit/check_inject \
	t/unit/check_queue_format \
	t/unit/check_queue_write \
	t/unit/check_queue_spare \
	t/unit/check_queue_env \
	t/unit/check_queue_inject \
	t/unit/check_send \
	t/unit/check_verp \
	t/unit/check_local \
	t/unit/check_dsn
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

t_unit_check_util_SOURCES = t/unit/check_util.c
t_unit_check_util_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_util_LDADD = $(UNIT_LDADD)
t_unit_check_queue_format_SOURCES = t/unit/check_queue_format.c
t_unit_check_queue_format_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_queue_format_LDADD = $(UNIT_LDADD)
t_unit_check_queue_write_SOURCES = t/unit/check_queue_write.c t/unit/qdir.c t/unit/qdir.h
t_unit_check_queue_write_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_queue_write_LDADD = $(UNIT_LDADD)
t_unit_check_queue_spare_SOURCES = t/unit/check_queue_spare.c t/unit/qdir.c t/unit/qdir.h
t_unit_check_queue_spare_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_queue_spare_LDADD = $(UNIT_LDADD)
t_unit_check_queue_env_SOURCES = t/unit/check_queue_env.c
t_unit_check_queue_env_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_queue_env_LDADD = $(UNIT_LDADD)
t_unit_check_queue_inject_SOURCES = t/unit/check_queue_inject.c t/unit/qdir.c t/unit/qdir.h
t_unit_check_queue_inject_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_queue_inject_LDADD = $(UNIT_LDADD)

t_unit_check_send_SOURCES = t/unit/check_send.c
t_unit_check_send_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_send_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/send
t_unit_check_send_LDADD = src/send/libsend.a src/inject/libinject.a verp/libverp.a $(UNIT_LDADD)

t_unit_check_verp_SOURCES = t/unit/check_verp.c
t_unit_check_verp_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_verp_LDADD = verp/libverp.a $(UNIT_LDADD)

t_unit_check_local_SOURCES = t/unit/check_local.c
t_unit_check_local_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/local
t_unit_check_local_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_local_LDADD = $(LOCAL_LIBS) $(CHECK_LIBS)

t_unit_check_dsn_SOURCES = t/unit/check_dsn.c t/unit/qdir.c t/unit/qdir.h
t_unit_check_dsn_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/send
t_unit_check_dsn_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_dsn_LDADD = src/send/libsend.a src/inject/libinject.a $(UNIT_LDADD)

t_unit_check_addr_SOURCES = t/unit/check_addr.c
t_unit_check_addr_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_addr_LDADD = $(UNIT_LDADD)
t_unit_check_inject_SOURCES = t/unit/check_inject.c
t_unit_check_inject_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/inject
t_unit_check_inject_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_inject_LDADD = src/inject/libinject.a $(UNIT_LDADD)

check_PROGRAMS += t/integ/test_dsn_build
t_integ_test_dsn_build_SOURCES = t/integ/test_dsn_build.c
t_integ_test_dsn_build_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/send
t_integ_test_dsn_build_LDADD = src/send/libsend.a src/inject/libinject.a $(HERALD_LIBS)

INTEG_TESTS = \
	t/integ/inject.t \
	t/integ/sendmail.t \
	t/integ/setup.t \
	t/integ/queue-proto.t \
	t/integ/queue-tools.t \
	t/integ/queue-crash.t \
	t/integ/queue-sealed.t \
	t/integ/delivery.t \
	t/integ/send-crash.t \
	t/integ/man.t \
	t/integ/local.t \
	t/integ/dsn.t
TESTS += $(INTEG_TESTS)
EXTRA_DIST += $(INTEG_TESTS) t/integ/taplib.py t/integ/daemon.py

# users and herald-lspawn
check_PROGRAMS += t/unit/check_users t/unit/check_lspawn
TESTS += t/unit/check_users t/unit/check_lspawn
t_unit_check_users_SOURCES = t/unit/check_users.c
t_unit_check_users_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/users
t_unit_check_users_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_users_LDADD = $(USERS_LIBS) $(CHECK_LIBS)
t_unit_check_lspawn_SOURCES = t/unit/check_lspawn.c
t_unit_check_lspawn_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/lspawn -I$(top_srcdir)/src/users
t_unit_check_lspawn_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_lspawn_LDADD = $(LSPAWN_LIBS) $(CHECK_LIBS)
TESTS += t/integ/lspawn.t t/integ/newu.t
EXTRA_DIST += t/integ/lspawn.t t/integ/newu.t t/integ/lspawnlib.py

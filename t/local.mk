# t: unit tests (check, TAP output) and integration tests (TAP scripts).
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .t
T_LOG_DRIVER = $(LOG_DRIVER)
AM_TESTS_ENVIRONMENT = CK_TAP_LOG_FILE_NAME=- CK_FORK=yes \
	HERALD_BUILD='$(abs_top_builddir)' HERALD_SRC='$(abs_top_srcdir)'; export CK_TAP_LOG_FILE_NAME CK_FORK HERALD_BUILD HERALD_SRC;

# herald-smtpd's tests: unit tests of src/smtpd, the security tests
# (relaying, SMTP smuggling, limits, timeouts, AUTH without TLS), and the
# libFuzzer harnesses for command and DATA parsing. t/integ/fuzz.t builds
# and runs every harness for a short while when clang is installed.
check_PROGRAMS += t/unit/check_smtpd
TESTS += t/unit/check_smtpd t/integ/smtpd-security.t t/integ/smtpd-robust.t t/integ/fuzz.t
t_unit_check_smtpd_SOURCES = t/unit/check_smtpd.c
t_unit_check_smtpd_CPPFLAGS = $(SMTPD_CPPFLAGS)
t_unit_check_smtpd_CFLAGS = $(UNIT_CFLAGS)
t_unit_check_smtpd_LDADD = $(SMTPD_LIBS) $(CHECK_LIBS)
EXTRA_DIST += t/integ/smtpd-security.t t/integ/smtpd-robust.t t/integ/fuzz.t t/integ/smtpdlib.py \
	t/fuzz/fuzz_smtpd_cmd.c t/fuzz/fuzz_smtpd_data.c

if FUZZ
noinst_PROGRAMS += t/fuzz/fuzz_smtpd_cmd t/fuzz/fuzz_smtpd_data
t_fuzz_fuzz_smtpd_cmd_SOURCES = t/fuzz/fuzz_smtpd_cmd.c
t_fuzz_fuzz_smtpd_cmd_CPPFLAGS = $(SMTPD_CPPFLAGS)
t_fuzz_fuzz_smtpd_cmd_LDFLAGS = -fsanitize=fuzzer
t_fuzz_fuzz_smtpd_cmd_LDADD = src/smtpd/libsmtpd.a src/util/libutil.a
t_fuzz_fuzz_smtpd_data_SOURCES = t/fuzz/fuzz_smtpd_data.c
t_fuzz_fuzz_smtpd_data_CPPFLAGS = $(SMTPD_CPPFLAGS)
t_fuzz_fuzz_smtpd_data_LDFLAGS = -fsanitize=fuzzer
t_fuzz_fuzz_smtpd_data_LDADD = src/smtpd/libsmtpd.a src/util/libutil.a
endif

# t/interop.mk: herald-smtpd with real SMTP clients (swaks, Python's
# smtplib, Postfix's smtp-source), and the pages of herald-smtpd and
# herald-newmrh.
INTEROP_TESTS = t/integ/smtpd-interop.t t/integ/smtpd-auth.t
TESTS += $(INTEROP_TESTS)
EXTRA_DIST += $(INTEROP_TESTS) t/integ/interoplib.py
dist_man_MANS += man/herald-smtpd.8 man/herald-newmrh.8

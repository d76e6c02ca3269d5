# src/smtpd: the SMTP server session behind herald-smtpd: command and DATA
# parsing, relay control, AUTH, recipient validation.
noinst_LIBRARIES += src/smtpd/libsmtpd.a
src_smtpd_libsmtpd_a_SOURCES = \
	src/smtpd/smtpd.c src/smtpd/smtpd.h \
	src/smtpd/smtpd_auth.c src/smtpd/smtpd_auth.h \
	src/smtpd/smtpd_cmd.c src/smtpd/smtpd_cmd.h \
	src/smtpd/smtpd_conf.c \
	src/smtpd/smtpd_data.c src/smtpd/smtpd_data.h \
	src/smtpd/smtpd_rcpt.c src/smtpd/smtpd_rcpt.h \
	src/smtpd/smtpd_relay.c src/smtpd/smtpd_relay.h
SMTPD_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/smtpd -I$(top_srcdir)/src/net \
	-I$(top_srcdir)/src/inject -I$(top_srcdir)/src/users -I$(top_srcdir)/src/send \
	-I$(top_srcdir)/src/local $(OPENSSL_CFLAGS)
src_smtpd_libsmtpd_a_CPPFLAGS = $(SMTPD_CPPFLAGS)
SMTPD_LIBS = src/smtpd/libsmtpd.a src/send/libsend.a src/local/liblocal.a src/inject/libinject.a \
	src/users/libusers.a $(NET_LIBS) $(HERALD_LIBS) $(DB_LIBS)

# etc: service files for systemd, runit and daemontools (herald-start(8)).
# etc/*.service are made from etc/*.service.in with the configured
# bindir; neither it nor etc/run is installed (an administrator copies them).
EXTRA_DIST += etc/herald.service.in etc/run etc/herald-smtpd.service.in \
	etc/herald-smtpd.socket etc/herald-smtpd@.service.in etc/run-smtpd
noinst_DATA = etc/herald.service etc/herald-smtpd.service etc/herald-smtpd@.service
CLEANFILES += etc/herald.service etc/herald-smtpd.service etc/herald-smtpd@.service

etc/herald.service etc/herald-smtpd.service etc/herald-smtpd@.service: Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && \
	sed -e 's|@bindir[@]|$(bindir)|g' $(srcdir)/$@.in > $@.tmp && \
	mv $@.tmp $@
etc/herald.service: $(srcdir)/etc/herald.service.in
etc/herald-smtpd.service: $(srcdir)/etc/herald-smtpd.service.in
etc/herald-smtpd@.service: $(srcdir)/etc/herald-smtpd@.service.in

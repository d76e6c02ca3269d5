# etc: service files for systemd, runit and daemontools (herald-start(8)).
# etc/herald.service is made from etc/herald.service.in with the configured
# bindir; neither it nor etc/run is installed (an administrator copies them).
EXTRA_DIST += etc/herald.service.in etc/run
noinst_DATA = etc/herald.service
CLEANFILES += etc/herald.service

etc/herald.service: $(srcdir)/etc/herald.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && \
	sed -e 's|@bindir[@]|$(bindir)|g' $(srcdir)/etc/herald.service.in > $@.tmp && \
	mv $@.tmp $@

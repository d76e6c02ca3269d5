# t/remote.mk: herald-remote against scripted SMTP and DNS servers on
# 127.0.0.x (t/integ/smtpsrv.py, t/integ/dnslib.py) and against real
# Postfix, Exim and OpenSMTPD peers (t/integ/peerlib.py).
REMOTE_TESTS = t/integ/remote.t t/integ/remote-tls.t t/integ/remote-interop.t t/integ/remote-slow.t \
	t/integ/remote-dnsmasq.t t/integ/remote-state.t \
	t/integ/remote-limits.t t/integ/remote-stop.t t/integ/remote-timeouts.t \
	t/integ/remote-group.t
TESTS += $(REMOTE_TESTS)
EXTRA_DIST += $(REMOTE_TESTS) t/integ/smtpsrv.py

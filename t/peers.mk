# t/peers.mk: real Postfix, Exim and OpenSMTPD servers as receiving SMTP
# peers on 127.0.0.1 (t/integ/peerlib.py, for the tests of remote delivery;
# Exim and OpenSMTPD are unpacked by scripts/install-deps), and the test
# that checks each of them in the clear and over STARTTLS.
PEER_TESTS = t/integ/peers.t
TESTS += $(PEER_TESTS)
EXTRA_DIST += $(PEER_TESTS) t/integ/peerlib.py

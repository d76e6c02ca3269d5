# verp: VERP encoding (and, later, bounce parsing).
noinst_LIBRARIES += verp/libverp.a
verp_libverp_a_SOURCES = verp/verp.c verp/verp.h

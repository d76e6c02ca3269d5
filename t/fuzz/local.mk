# t/fuzz: libFuzzer harnesses, built with ./configure --enable-fuzz CC=clang.
# Run one with e.g. t/fuzz/fuzz_addr -max_total_time=60 CORPUS_DIR.
EXTRA_DIST += t/fuzz/fuzz_addr.c
if FUZZ
noinst_PROGRAMS += t/fuzz/fuzz_addr
t_fuzz_fuzz_addr_SOURCES = t/fuzz/fuzz_addr.c
t_fuzz_fuzz_addr_LDFLAGS = -fsanitize=fuzzer
t_fuzz_fuzz_addr_LDADD = src/util/libutil.a
endif

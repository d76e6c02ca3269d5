# verp: VERP encoding and decoding.

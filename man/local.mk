# man: one page per program and per file format (mdoc).

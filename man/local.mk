# man: one page per program and per file format (mdoc).
dist_man_MANS += man/herald-queue.8 man/herald-queue.5 man/herald-setup.8 man/herald-control.5
dist_man_MANS += man/herald-qread.8 man/herald-qstat.8 man/herald-clean.8
dist_man_MANS += man/herald-inject.8 man/sendmail.8
dist_man_MANS += man/herald-local.8 man/dot-qmail.5
dist_man_MANS += man/herald-dsn.5
dist_man_MANS += man/herald-send.8 man/herald-start.8
dist_man_MANS += man/herald-lspawn.8 man/herald-newu.8 man/herald-users.5

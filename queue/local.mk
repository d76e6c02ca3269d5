# queue: the on-disk queue (formats, ids, injection, cursors, checkpoints).
noinst_LIBRARIES += queue/libqueue.a
queue_libqueue_a_SOURCES = \
	queue/queue_id.c queue/queue_id.h \
	queue/queue_file.c queue/queue_file.h \
	queue/queue_env.c queue/queue_env.h \
	queue/queue_path.c queue/queue_path.h \
	queue/queue_write.c queue/queue_write.h \
	queue/queue_msg.c queue/queue_msg.h \
	queue/queue_scan.c queue/queue_scan.h \
	queue/queue_clean.c queue/queue_clean.h \
	queue/queue_inject.c queue/queue_inject.h \
	queue/queue_stat.c queue/queue_stat.h \
	queue/queue_bounce.c queue/queue_bounce.h \
	queue/queue_spare.c queue/queue_spare.h

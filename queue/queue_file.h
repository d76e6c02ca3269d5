/* queue_file: the on-disk format of one queued message (herald-queue(5)).
 *
 * One file per message, queue/mess/SS/ID, all integers little-endian:
 *
 *   header (QUEUE_HDR_SIZE bytes)
 *     0   8  magic "HERALDQ1"
 *     8   8  created: unix time of injection
 *    16   8  body_off   24  8 body_len      the message, LF line ends
 *    32   8  sender_off 40  8 sender_len    envelope sender, NUL-terminated
 *    48   8  rcpt_off   56  8 rcpt_count    64  8 rcpt_len
 *    72  24  id: the message id (its file name), NUL-padded; all NULs in
 *               files written before the id was kept ("unsealed")
 *    96   8  hash: 64-bit FNV-1a of every byte after the header as the
 *               writer wrote it (each record with its first state word,
 *               pending, tries 0, next_try 0)
 *   104  24  reserved, zero
 *   body, sender: each padded with NULs to a multiple of 8 bytes
 *   recipient records, sorted by domain (case-insensitive), injection order
 *   within a domain; each record, padded to a multiple of 8 bytes:
 *     0   1  state: 'P' pending, 'D' delivered, 'F' failed (DSN owed),
 *               'B' failed and reported
 *     1   1  reserved, zero
 *     2   2  tries: delivery attempts so far
 *     4   4  next_try: unix time before which no attempt is made
 *     8   2  addr_len (at most QUEUE_ADDR_MAX)
 *    10   2  dom_off: offset of the domain in the address (addr_len if none)
 *    12   n  address, then a NUL
 *
 * The first 8 bytes of a record (its state word) are 8-byte aligned, so an
 * update is one pwrite that never crosses a disk sector. */
#ifndef HERALD_QUEUE_FILE_H
#define HERALD_QUEUE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "queue_id.h"

#define QUEUE_MAGIC "HERALDQ1"
#define QUEUE_HDR_SIZE 128
/* Longest envelope address accepted (qmail-queue's limit: 1002 bytes). */
#define QUEUE_ADDR_MAX 1002
#define QUEUE_RSTATE_SIZE 8
#define QUEUE_RCPT_FIXED 12

enum queue_rcpt_state {
	QUEUE_RCPT_PENDING = 'P',
	QUEUE_RCPT_DONE = 'D',
	QUEUE_RCPT_FAILED = 'F',
	QUEUE_RCPT_BOUNCED = 'B',
};

struct queue_hdr {
	char id[QUEUE_ID_LEN + 2];      /* "" when unsealed; NUL-padded */
	uint64_t hash;
	uint64_t created;
	uint64_t body_off, body_len;
	uint64_t sender_off, sender_len;
	uint64_t rcpt_off, rcpt_count, rcpt_len;
};

struct queue_rstate {
	uint8_t state;
	uint16_t tries;
	uint32_t next_try;
};

struct queue_rcpt {
	uint64_t off;                   /* file offset of the record */
	struct queue_rstate st;
	uint16_t addr_len, dom_off;
	const char *addr;               /* NUL-terminated, valid until the next read */
};

#define QUEUE_HASH_INIT UINT64_C(0xcbf29ce484222325)

/* Continue the FNV-1a hash h over n bytes at p. */
uint64_t queue_hash(uint64_t h, const void *p, size_t n);
/* Round n up to a multiple of 8. */
uint64_t queue_file_pad(uint64_t n);
/* Encode a header into out[QUEUE_HDR_SIZE]. */
void queue_hdr_encode(const struct queue_hdr *h, unsigned char *out);
/* Decode and check a header (magic, offsets consistent with file_size). */
int queue_hdr_decode(const unsigned char *in, uint64_t file_size, struct queue_hdr *h);
/* Encode a state word into out[QUEUE_RSTATE_SIZE]. */
void queue_rstate_encode(const struct queue_rstate *s, unsigned char *out);
/* Decode a state word; -1 if the state byte is not a known state. */
int queue_rstate_decode(const unsigned char *in, struct queue_rstate *s);
/* On-disk size of the record for an address of len bytes. */
size_t queue_rcpt_size(size_t len);
/* Offset of the domain in addr (after the last '@'), len if none. */
size_t queue_rcpt_domain(const char *addr, size_t len);
/* Encode a pending record for addr into out (queue_rcpt_size(len) bytes). */
void queue_rcpt_encode(const char *addr, size_t len, unsigned char *out);
/* Decode the record at in (avail bytes); sets *used to its size.
 * Returns 1 if decoded, 0 if more bytes are needed, -1 if malformed. */
int queue_rcpt_decode(const unsigned char *in, size_t avail, struct queue_rcpt *r, size_t *used);
/* Order of two encoded records in a queue file: by domain, ignoring case. */
int queue_rcpt_cmp_domain(const unsigned char *a, const unsigned char *b);

#endif

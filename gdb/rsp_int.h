/* Internals shared by the rsp_*.c files of the GDB stub: the context, the
 * growable buffer, hex helpers, the output packet builder and the packet
 * handlers' entry points. Nothing here is part of the public API (rsp.h).
 *
 * How a packet flows:
 *   rsp_poll()            reads bytes from the transport       (rsp.c)
 *   rsp_rx_byte()         frames "$body#cs", checks, acks      (rsp_frame.c)
 *   rsp_rle_decode()      expands "x*N" run-length encoding    (rsp_frame.c)
 *   rsp_dispatch()        finds the handler in the table       (rsp_packets.c)
 *   handler               calls the target, builds the reply   (rsp_packets.c,
 *                                                               rsp_data.c, rsp_run.c)
 *   rsp_pkt_begin/add/end frames the reply into the out queue  (rsp_out.c)
 *   rsp_flush()           writes what the transport accepts    (rsp_out.c)
 */
#ifndef BT86_GDB_RSP_INT_H
#define BT86_GDB_RSP_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gdb/rsp.h"

/* Protocol bytes. */
#define RSP_START     '$'   /* starts a packet: $body#cs */
#define RSP_END       '#'   /* ends the body; two hex checksum digits follow */
#define RSP_ACK       '+'   /* packet received with a good checksum */
#define RSP_NAK       '-'   /* bad checksum: please resend */
#define RSP_INTR      0x03  /* Ctrl-C outside a packet: interrupt the target */
#define RSP_ESC       0x7d  /* '}': in binary data, the next byte is XORed with 0x20 */
#define RSP_ESC_XOR   0x20  /* what an escaped byte is XORed with */
#define RSP_RLE       '*'   /* run-length: repeat the previous char (next char - 29) more times */
#define RSP_RLE_BIAS  29    /* the repeat count is sent as count + 29, a printable char */

/* The single thread's id, in qC, qfThreadInfo and stop replies. */
#define RSP_THREAD_ID 1

/* Where a growable byte buffer keeps its bytes (blink's {p, n} shape). */
struct rsp_buf {
	char *p;
	size_t n, cap;
};

bool rsp_buf_reserve(struct rsp_buf *b, size_t more);
bool rsp_buf_add(struct rsp_buf *b, const void *data, size_t len);
void rsp_buf_free(struct rsp_buf *b);

/* The input framer's state. */
enum rsp_rx_state {
	RSP_RX_IDLE,    /* between packets: '$', Ctrl-C, acks, garbage */
	RSP_RX_BODY,    /* inside $...# */
	RSP_RX_CSUM1,   /* after '#': first checksum digit */
	RSP_RX_CSUM2,   /* second checksum digit */
};

struct rsp {
	const struct rsp_io *io;
	void *io_ctx;
	const struct rsp_target *t;
	void *target;
	const struct rsp_arch *arch;
	size_t regs_size;        /* bytes of the g payload */
	uint8_t *regbuf;         /* regs_size bytes, for g/G/p */

	char *xml;               /* the target description (owned if xml_owned) */
	size_t xml_len;
	bool xml_owned;

	/* Input. */
	enum rsp_rx_state rx;
	struct rsp_buf raw;      /* the body as received, at most RSP_PACKET_SIZE */
	struct rsp_buf body;     /* the body after run-length decoding, NUL-terminated */
	uint8_t sum;             /* running checksum of the body */
	bool overflow;           /* body longer than RSP_PACKET_SIZE: answered E01 */
	int csum_hi;             /* first checksum digit's value */

	/* Output: out.p[out_head..out.n) is waiting for the transport. */
	struct rsp_buf out;
	size_t out_head;
	size_t pkt_start;        /* offset in out of the body being built (after '$') */
	bool building;           /* between rsp_pkt_begin and rsp_pkt_end */
	struct rsp_buf last;     /* the last packet sent, resent on '-' */

	bool noack;              /* QStartNoAckMode done: no '+'/'-' either way */
	bool running;            /* gdb waits for a stop reply */
	int status;              /* RSP_OK, or why the session is over (sticky) */
	struct rsp_stats stats;
};

/* Session over (D, k, closed, no memory): record why, keep the first reason. */
void rsp_set_status(struct rsp *r, int status);

/* ---- Hex and binary helpers (rsp_hex.c). ---- */
int rsp_hexval(int c);                 /* 0-15, or -1 if c is not a hex digit */
extern const char rsp_hexdigits[16];   /* "0123456789abcdef" */
/* Parse 1-16 hex digits at *p (before end) into *v; advance *p. false if no
 * digit or more than 64 bits. */
bool rsp_parse_hex(const char **p, const char *end, uint64_t *v);
/* Decode n hex chars (n even) into out[n/2]; false on a non-hex char. */
bool rsp_hex_decode(const char *s, size_t n, uint8_t *out);
/* Undo '}' escaping of s[0..n) in place; returns the new length, or
 * (size_t)-1 if the data ends in a lone '}'. */
size_t rsp_unescape(char *s, size_t n);

/* ---- Output (rsp_out.c). ---- */
void rsp_out_raw(struct rsp *r, const void *data, size_t len);  /* acks: no framing */
void rsp_pkt_begin(struct rsp *r);
void rsp_pkt_add(struct rsp *r, const void *data, size_t len);
void rsp_pkt_adds(struct rsp *r, const char *s);
void rsp_pkt_addf(struct rsp *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rsp_pkt_addhex(struct rsp *r, const void *data, size_t len);
void rsp_pkt_addbin(struct rsp *r, const void *data, size_t len);  /* escapes $ # } * */
void rsp_pkt_end(struct rsp *r);
void rsp_send(struct rsp *r, const char *body);    /* a whole packet */
void rsp_send_error(struct rsp *r, int code);      /* "Exx" */
void rsp_send_malformed(struct rsp *r);            /* "E01", counted */
void rsp_resend_last(struct rsp *r);               /* after a '-' */

/* ---- Input (rsp_frame.c). ---- */
void rsp_rx_byte(struct rsp *r, uint8_t c);
/* Expand run-length encoding of raw[0..n) into body (NUL-terminated):
 * RSP_OK, RSP_INVALID if malformed or longer than RSP_PACKET_SIZE, or
 * RSP_NOMEM. */
int rsp_rle_decode(struct rsp_buf *body, const char *raw, size_t n);

/* ---- Packets (rsp_packets.c, rsp_data.c, rsp_run.c). ---- */
void rsp_dispatch(struct rsp *r, char *body, size_t len);

/* Each handler gets the text after the packet's name (arg[0..len), with a
 * NUL at arg[len]; X data may hold NULs) and sends exactly one reply, or
 * none for packets that have none (c, s, k). */
typedef void rsp_handler(struct rsp *r, char *arg, size_t len);

rsp_handler rsp_h_read_regs, rsp_h_write_regs, rsp_h_read_reg, rsp_h_write_reg;
rsp_handler rsp_h_read_mem, rsp_h_write_mem, rsp_h_write_bin;
rsp_handler rsp_h_insert_bp, rsp_h_remove_bp;
rsp_handler rsp_h_why, rsp_h_cont, rsp_h_cont_sig, rsp_h_step, rsp_h_step_sig;
rsp_handler rsp_h_vcont_query, rsp_h_vcont;

/* Send the stop reply (T, or W if exited) for s. */
void rsp_send_stop(struct rsp *r, const struct rsp_stop *s);
/* Parse a thread id ("1", "-1", "0", "p1.1", "p1.-1") at *p; true if it is
 * well-formed; *ours tells whether it names our single thread (or all). */
bool rsp_parse_thread(const char **p, const char *end, bool *ours);

#endif

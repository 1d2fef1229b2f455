/* The input side of the protocol, one byte at a time so that input may arrive
 * in any pieces: find "$body#cs", check the checksum (the sum of the body's
 * bytes mod 256, as two hex digits), acknowledge with '+' or ask for a resend
 * with '-', expand run-length encoding, and hand the body to the dispatcher.
 * Outside a packet, 0x03 is Ctrl-C and '+' / '-' are gdb's acknowledgements
 * of our packets; anything else there is noise and is skipped.
 *
 *   for (i = 0; i < n; i++)
 *           rsp_rx_byte(r, buf[i]);     // "$m0,4#fd" -> '+' then "$xxxxxxxx#.."
 *
 * Bad input never reaches a handler unchecked: a body longer than
 * RSP_PACKET_SIZE is not stored (the rest is only summed) and is answered
 * E01; a broken frame (a '$' inside a body, a non-hex checksum digit) is
 * NAKed. In no-ack mode nothing is NAKed (gdb would not resend anyway): a bad
 * packet is dropped.
 */
#include <string.h>

#include "gdb/rsp_int.h"

/* Run-length encoding: "0* " is "0" followed by ' ' - 29 = 3 more '0's. The
 * count char is printable (' ' to '~'), so the largest run adds 97. */
#define RSP_RLE_MIN ' '
#define RSP_RLE_MAX '~'

int rsp_rle_decode(struct rsp_buf *body, const char *raw, size_t n)
{
	body->n = 0;
	if (!rsp_buf_reserve(body, n + 1))
		return RSP_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (raw[i] != RSP_RLE) {
			if (body->n >= RSP_PACKET_SIZE)
				return RSP_INVALID;
			body->p[body->n++] = raw[i];
			continue;
		}
		/* A '*' needs a char before it to repeat and a count after it. */
		if (body->n == 0 || i + 1 >= n)
			return RSP_INVALID;
		unsigned char c = (unsigned char)raw[++i];
		if (c < RSP_RLE_MIN || c > RSP_RLE_MAX)
			return RSP_INVALID;
		size_t count = (size_t)(c - RSP_RLE_BIAS);
		if (body->n + count > RSP_PACKET_SIZE)
			return RSP_INVALID;
		if (!rsp_buf_reserve(body, count + (n - i) + 1))
			return RSP_NOMEM;
		memset(body->p + body->n, body->p[body->n - 1], count);
		body->n += count;
	}
	body->p[body->n] = 0;   /* so handlers may use string functions on text */
	return RSP_OK;
}

static void start_packet(struct rsp *r)
{
	r->rx = RSP_RX_BODY;
	r->raw.n = 0;
	r->sum = 0;
	r->overflow = false;
}

static void nak(struct rsp *r)
{
	r->stats.bad_checksum++;
	if (!r->noack) {
		char c = RSP_NAK;
		rsp_out_raw(r, &c, 1);
	}
}

static void packet_done(struct rsp *r)
{
	if (!r->noack) {
		char c = RSP_ACK;
		rsp_out_raw(r, &c, 1);
	}
	int rc = r->overflow ? RSP_INVALID : rsp_rle_decode(&r->body, r->raw.p, r->raw.n);
	if (rc == RSP_NOMEM) {
		rsp_set_status(r, RSP_NOMEM);
		return;
	}
	if (rc != RSP_OK) {
		rsp_send_malformed(r);
		return;
	}
	r->stats.packets++;
	rsp_dispatch(r, r->body.p, r->body.n);
}

static void idle_byte(struct rsp *r, uint8_t c)
{
	switch (c) {
	case RSP_START:
		start_packet(r);
		break;
	case RSP_INTR:
		r->stats.interrupts++;
		/* gdb sends Ctrl-C only while it waits for the target; a stray
		 * one has nothing to interrupt and no reply to wait for. */
		if (r->running && r->t->stop)
			r->t->stop(r->target);
		break;
	case RSP_ACK:
		break;
	case RSP_NAK:
		rsp_resend_last(r);
		break;
	default:
		r->stats.garbage++;
		break;
	}
}

void rsp_rx_byte(struct rsp *r, uint8_t c)
{
	int v;

	switch (r->rx) {
	case RSP_RX_IDLE:
		idle_byte(r, c);
		break;
	case RSP_RX_BODY:
		if (c == RSP_END) {
			r->rx = RSP_RX_CSUM1;
		} else if (c == RSP_START) {
			/* The previous packet was cut short; a new one begins. */
			nak(r);
			start_packet(r);
		} else {
			r->sum = (uint8_t)(r->sum + c);
			if (r->raw.n >= RSP_PACKET_SIZE)
				r->overflow = true;
			else if (!rsp_buf_add(&r->raw, &c, 1))
				rsp_set_status(r, RSP_NOMEM);
		}
		break;
	case RSP_RX_CSUM1:
	case RSP_RX_CSUM2:
		v = rsp_hexval(c);
		if (v < 0) {
			/* Not a checksum: the frame is broken. Look at this
			 * byte again as the start of whatever follows. */
			nak(r);
			r->rx = RSP_RX_IDLE;
			idle_byte(r, c);
		} else if (r->rx == RSP_RX_CSUM1) {
			r->csum_hi = v;
			r->rx = RSP_RX_CSUM2;
		} else {
			r->rx = RSP_RX_IDLE;
			if ((r->csum_hi << 4 | v) != r->sum)
				nak(r);
			else
				packet_done(r);
		}
		break;
	}
}

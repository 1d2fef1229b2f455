/* Unit tests for monitor/uart, the 16550A model, driven through its io_fn as a
 * guest driver would: THR output to the callback, LSR idle value and data
 * ready, scratch register, DLAB divisor latch, loopback (bytes come back on RBR,
 * MSR mirrors MCR), IIR encodings and priorities, the interrupt line with the
 * OUT2 gate, register masks, wide accesses, the input FIFO (capacity, order,
 * wrap-around, FCR clear), input pushed from another thread, and uart_status
 * (registers, divisor, counts, bytes waiting, the line, as a front end reads
 * them). */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/machine.h"
#include "monitor/uart.h"

/* Register offsets and bits, as a driver names them. */
#define RBR 0   /* receive buffer (read), THR transmit (write), DLL with DLAB */
#define IER 1   /* interrupt enable, DLM with DLAB */
#define IIR 2   /* interrupt identification (read), FCR FIFO control (write) */
#define LCR 3   /* line control; bit 7 DLAB */
#define MCR 4   /* modem control: DTR 0x01 RTS 0x02 OUT1 0x04 OUT2 0x08 LOOP 0x10 */
#define LSR 5   /* line status: DR 0x01, THRE 0x20, TEMT 0x40 */
#define MSR 6   /* modem status: CTS 0x10 DSR 0x20 RI 0x40 DCD 0x80 */
#define SCR 7   /* scratch */

static struct uart u;
static uint8_t outbuf[4096];
static size_t outlen;
static int irq_level = -1;
static int irq_calls;

static void on_out(void *opaque, uint8_t b)
{
	ck_assert_ptr_eq(opaque, &outlen);
	if (outlen < sizeof outbuf)
		outbuf[outlen++] = b;
}

static void on_irq(void *opaque, int level)
{
	ck_assert_ptr_eq(opaque, &irq_calls);
	irq_level = level;
	irq_calls++;
}

static void setup(void)
{
	outlen = 0;
	irq_level = -1;
	irq_calls = 0;
	uart_init(&u, on_out, &outlen);
}

static void teardown(void)
{
	uart_destroy(&u);
}

static void wr(unsigned reg, uint8_t v)
{
	uart_io(&u, reg, &v, 1, true);
}

static uint8_t rd(unsigned reg)
{
	uint8_t v = 0xee;
	uart_io(&u, reg, &v, 1, false);
	return v;
}

START_TEST(thr_output)
{
	wr(RBR, 'h');
	wr(RBR, 'i');
	wr(RBR, 0);
	wr(RBR, 0xff);
	ck_assert_uint_eq(outlen, 4);
	ck_assert_mem_eq(outbuf, "hi\0\xff", 4);
	ck_assert_uint_eq(u.tx_count, 4);
	ck_assert_uint_eq(rd(LSR), 0x60);   /* the byte left at once */
}
END_TEST

START_TEST(thr_without_output_callback)
{
	struct uart q;
	uint8_t v = 'x';
	uart_init(&q, NULL, NULL);
	uart_io(&q, 0, &v, 1, true);
	ck_assert_uint_eq(q.tx_count, 1);
	uart_destroy(&q);
}
END_TEST

START_TEST(lsr_idle_and_data_ready)
{
	ck_assert_uint_eq(rd(LSR), 0x60);              /* THRE | TEMT */
	ck_assert_uint_eq(uart_push_input(&u, (const uint8_t *)"ab", 2), 2);
	ck_assert_uint_eq(rd(LSR), 0x61);              /* + DR */
	ck_assert_uint_eq(rd(RBR), 'a');
	ck_assert_uint_eq(rd(LSR), 0x61);
	ck_assert_uint_eq(rd(RBR), 'b');
	ck_assert_uint_eq(rd(LSR), 0x60);
	ck_assert_uint_eq(rd(RBR), 0);                 /* empty FIFO reads 0 */
	wr(LSR, 0x00);                                 /* LSR is read-only */
	ck_assert_uint_eq(rd(LSR), 0x60);
	ck_assert_uint_eq(u.rx_count, 2);
}
END_TEST

START_TEST(scratch)
{
	ck_assert_uint_eq(rd(SCR), 0);
	wr(SCR, 0xa5);
	ck_assert_uint_eq(rd(SCR), 0xa5);
	wr(SCR, 0x5a);
	ck_assert_uint_eq(rd(SCR), 0x5a);
	ck_assert_uint_eq(outlen, 0);
}
END_TEST

START_TEST(dlab_divisor_latch)
{
	wr(IER, 0x00);
	wr(LCR, 0x80);                      /* DLAB */
	ck_assert_uint_eq(rd(LCR), 0x80);
	ck_assert_uint_eq(rd(RBR), 12);     /* reset divisor: 9600 baud */
	ck_assert_uint_eq(rd(IER), 0);
	wr(RBR, 0x01);                      /* 115200 baud: DLL 1, DLM 0 */
	wr(IER, 0x0f);                      /* DLM, not IER */
	ck_assert_uint_eq(outlen, 0);       /* no byte transmitted */
	ck_assert_uint_eq(u.tx_count, 0);
	ck_assert_uint_eq(rd(RBR), 0x01);
	ck_assert_uint_eq(rd(IER), 0x0f);
	ck_assert_uint_eq(u.dll, 0x01);
	ck_assert_uint_eq(u.dlm, 0x0f);
	wr(LCR, 0x03);                      /* 8N1, DLAB off */
	ck_assert_uint_eq(rd(LCR), 0x03);
	ck_assert_uint_eq(rd(IER), 0x00);   /* IER was not changed */
	ck_assert_uint_eq(rd(IIR) & 0x0f, 0x01);
	wr(RBR, 'z');
	ck_assert_uint_eq(outlen, 1);
	ck_assert_uint_eq(outbuf[0], 'z');
	ck_assert_uint_eq(u.dll, 0x01);     /* and THR writes leave the latch alone */
}
END_TEST

START_TEST(dlab_does_not_read_rx)
{
	ck_assert_uint_eq(uart_push_input(&u, (const uint8_t *)"q", 1), 1);
	wr(LCR, 0x80);
	ck_assert_uint_eq(rd(RBR), 12);     /* DLL, the FIFO is untouched */
	wr(LCR, 0x00);
	ck_assert_uint_eq(rd(RBR), 'q');
}
END_TEST

START_TEST(loopback)
{
	wr(MCR, 0x10);                      /* LOOP */
	wr(RBR, 'A');
	wr(RBR, 'B');
	ck_assert_uint_eq(outlen, 0);       /* not sent to the output */
	ck_assert_uint_eq(rd(LSR) & 0x01, 0x01);
	ck_assert_uint_eq(rd(RBR), 'A');
	ck_assert_uint_eq(rd(RBR), 'B');
	ck_assert_uint_eq(rd(LSR), 0x60);

	/* MSR mirrors MCR: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD */
	ck_assert_uint_eq(rd(MSR), 0x00);
	wr(MCR, 0x10 | 0x01);
	ck_assert_uint_eq(rd(MSR), 0x20);
	wr(MCR, 0x10 | 0x02);
	ck_assert_uint_eq(rd(MSR), 0x10);
	wr(MCR, 0x10 | 0x04);
	ck_assert_uint_eq(rd(MSR), 0x40);
	wr(MCR, 0x10 | 0x08);
	ck_assert_uint_eq(rd(MSR), 0x80);
	wr(MCR, 0x1f);
	ck_assert_uint_eq(rd(MSR), 0xf0);

	/* out of loopback: the console's fixed modem lines, and output flows */
	wr(MCR, 0x0b);
	ck_assert_uint_eq(rd(MSR), 0xb0);   /* CTS | DSR | DCD */
	wr(RBR, 'C');
	ck_assert_uint_eq(outlen, 1);
	ck_assert_uint_eq(outbuf[0], 'C');
	ck_assert_uint_eq(rd(LSR), 0x60);   /* nothing came back */
}
END_TEST

START_TEST(loopback_self_test_like_linux)
{
	/* Linux's 8250 probe: loopback with OUT2|OUT1|RTS|DTR, check MSR, send 0x5a. */
	wr(MCR, 0x1f);
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0xf0);
	wr(RBR, 0x5a);
	ck_assert_uint_eq(rd(LSR) & 0x01, 0x01);
	ck_assert_uint_eq(rd(RBR), 0x5a);
	wr(MCR, 0x00);
	ck_assert_uint_eq(outlen, 0);
}
END_TEST

START_TEST(iir_values)
{
	ck_assert_uint_eq(rd(IIR), 0x01);           /* no interrupt, FIFOs off */
	wr(IIR, 0x01);                              /* FCR: enable FIFOs */
	ck_assert_uint_eq(rd(IIR), 0xc1);
	wr(IIR, 0x00);
	ck_assert_uint_eq(rd(IIR), 0x01);
	wr(IIR, 0xc7);                              /* enable, clear both, trigger 14 */
	ck_assert_uint_eq(rd(IIR), 0xc1);

	/* THR empty: enabling THRI raises it at once; reading IIR clears it */
	wr(IER, 0x02);
	ck_assert_uint_eq(rd(IIR), 0xc2);
	ck_assert_uint_eq(rd(IIR), 0xc1);
	wr(RBR, 'x');                               /* the byte leaves: THRE again */
	ck_assert_uint_eq(rd(IIR), 0xc2);
	ck_assert_uint_eq(rd(IIR), 0xc1);

	/* RX data (0x04) has priority over THRE (0x02) */
	wr(IER, 0x03);
	wr(RBR, 'y');
	ck_assert_uint_eq(uart_push_input(&u, (const uint8_t *)"k", 1), 1);
	ck_assert_uint_eq(rd(IIR), 0xc4);
	ck_assert_uint_eq(rd(IIR), 0xc4);           /* reading IIR does not ack RX data */
	ck_assert_uint_eq(rd(RBR), 'k');
	ck_assert_uint_eq(rd(IIR), 0xc2);           /* the THRE left pending shows now */
	ck_assert_uint_eq(rd(IIR), 0xc1);

	/* RX data with RDI disabled is not an interrupt */
	wr(IER, 0x00);
	ck_assert_uint_eq(uart_push_input(&u, (const uint8_t *)"m", 1), 1);
	ck_assert_uint_eq(rd(IIR), 0xc1);
	wr(IER, 0x01);
	ck_assert_uint_eq(rd(IIR), 0xc4);
}
END_TEST

START_TEST(register_masks)
{
	wr(IER, 0xff);
	ck_assert_uint_eq(rd(IER), 0x0f);
	wr(MCR, 0xff);
	ck_assert_uint_eq(rd(MCR), 0x1f);
	wr(LCR, 0x1b);
	ck_assert_uint_eq(rd(LCR), 0x1b);
	wr(MSR, 0x00);                              /* MSR writes are ignored */
	wr(MCR, 0x00);
	ck_assert_uint_eq(rd(MSR), 0xb0);
}
END_TEST

START_TEST(irq_line_ungated_by_default)
{
	uart_set_irq(&u, on_irq, &irq_calls);
	wr(IER, 0x01);                   /* OUT2 off, as xv6 leaves it: RX data still raises it */
	ck_assert_uint_eq(uart_push_input(&u, (const uint8_t *)"x", 1), 1);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(rd(RBR), 'x');
	ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(irq_line_and_out2)
{
	u.out2_gate = true;              /* the IBM PC's wiring */
	uart_set_irq(&u, on_irq, &irq_calls);
	wr(IER, 0x02);                   /* THRE pending, but OUT2 is off */
	ck_assert_int_eq(irq_calls, 0);
	ck_assert_int_eq(u.irq_level, 0);
	wr(MCR, 0x08);                   /* OUT2 opens the gate */
	ck_assert_int_eq(irq_calls, 1);
	ck_assert_int_eq(irq_level, 1);
	wr(MCR, 0x0b);                   /* level unchanged: no new call */
	ck_assert_int_eq(irq_calls, 1);
	ck_assert_uint_eq(rd(IIR), 0x02);   /* ack THRE */
	ck_assert_int_eq(irq_calls, 2);
	ck_assert_int_eq(irq_level, 0);

	wr(IER, 0x01);                   /* RX data raises it */
	ck_assert_uint_eq(uart_push_input(&u, (const uint8_t *)"ab", 2), 2);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_int_eq(irq_calls, 3);
	ck_assert_uint_eq(rd(RBR), 'a');
	ck_assert_int_eq(irq_level, 1);  /* still data */
	ck_assert_uint_eq(rd(RBR), 'b');
	ck_assert_int_eq(irq_level, 0);
	ck_assert_int_eq(irq_calls, 4);

	ck_assert_uint_eq(uart_push_input(&u, (const uint8_t *)"c", 1), 1);
	ck_assert_int_eq(irq_level, 1);
	wr(MCR, 0x03);                   /* closing OUT2 drops the line */
	ck_assert_int_eq(irq_level, 0);
	wr(MCR, 0x0b);
	ck_assert_int_eq(irq_level, 1);
	wr(IER, 0x00);                   /* disabling the source drops it too */
	ck_assert_int_eq(irq_level, 0);
	ck_assert_int_eq(irq_calls, 8);
}
END_TEST

START_TEST(wide_access)
{
	/* A 16-bit read at MCR returns MCR then LSR; a 16-bit write to THR/IER
	 * transmits one byte and sets IER. */
	wr(MCR, 0x03);
	uint16_t w = 0;
	uart_io(&u, MCR, &w, 2, false);
	ck_assert_uint_eq(w, 0x6003);
	uint8_t two[2] = { 'Q', 0x01 };
	uart_io(&u, RBR, two, 2, true);
	ck_assert_uint_eq(outlen, 1);
	ck_assert_uint_eq(outbuf[0], 'Q');
	ck_assert_uint_eq(rd(IER), 0x01);
}
END_TEST

START_TEST(push_capacity_and_order)
{
	enum { N = UART_RX_CAP + 500 };
	static uint8_t in[N];
	for (int i = 0; i < N; i++)
		in[i] = (uint8_t)(i * 31 + 7);
	ck_assert_uint_eq(uart_push_input(&u, in, N), UART_RX_CAP);
	ck_assert_uint_eq(uart_push_input(&u, in, 1), 0);      /* full */
	ck_assert_uint_eq(uart_push_input(&u, in, 0), 0);
	ck_assert_uint_eq(u.rx_count, UART_RX_CAP);
	for (int i = 0; i < UART_RX_CAP; i++) {
		ck_assert_uint_eq(rd(LSR) & 1, 1);
		ck_assert_uint_eq(rd(RBR), in[i]);
	}
	ck_assert_uint_eq(rd(LSR), 0x60);
}
END_TEST

START_TEST(push_wraps_around)
{
	static uint8_t in[2000];
	for (int i = 0; i < 2000; i++)
		in[i] = (uint8_t)(i ^ (i >> 8));
	ck_assert_uint_eq(uart_push_input(&u, in, 1000), 1000);
	for (int i = 0; i < 600; i++)
		ck_assert_uint_eq(rd(RBR), in[i]);
	/* 400 left: room for UART_RX_CAP - 400 more, stored across the ring's end */
	ck_assert_uint_eq(uart_push_input(&u, in + 1000, 1000), UART_RX_CAP - 400);
	for (int i = 600; i < 1000 + UART_RX_CAP - 400; i++)
		ck_assert_uint_eq(rd(RBR), in[i]);
	ck_assert_uint_eq(rd(LSR), 0x60);
}
END_TEST

START_TEST(fcr_clear_rx)
{
	ck_assert_uint_eq(uart_push_input(&u, (const uint8_t *)"abc", 3), 3);
	wr(IER, 0x01);
	wr(IIR, 0x03);                     /* FCR: enable + clear RX */
	ck_assert_uint_eq(rd(LSR), 0x60);
	ck_assert_uint_eq(rd(IIR), 0xc1);  /* no RX interrupt left */
	ck_assert_uint_eq(uart_push_input(&u, (const uint8_t *)"d", 1), 1);
	ck_assert_uint_eq(rd(RBR), 'd');   /* the old bytes are gone */
	ck_assert_uint_eq(rd(LSR), 0x60);
	/* clearing leaves room for a whole FIFO again */
	static uint8_t big[UART_RX_CAP];
	ck_assert_uint_eq(uart_push_input(&u, big, UART_RX_CAP), UART_RX_CAP);
	wr(IIR, 0x02);
	ck_assert_uint_eq(uart_push_input(&u, big, UART_RX_CAP), UART_RX_CAP);
}
END_TEST

/* Input pushed by a front-end thread while the "guest" polls LSR and reads RBR. */
enum { THREAD_BYTES = 50000 };

static void *producer(void *arg)
{
	(void)arg;
	uint8_t chunk[37];
	size_t sent = 0;
	while (sent < THREAD_BYTES) {
		size_t n = sizeof chunk;
		if (n > THREAD_BYTES - sent)
			n = THREAD_BYTES - sent;
		for (size_t i = 0; i < n; i++)
			chunk[i] = (uint8_t)((sent + i) % 251);
		size_t took = uart_push_input(&u, chunk, n);
		sent += took;
		if (took == 0)
			sched_yield();
	}
	return NULL;
}

START_TEST(push_from_thread)
{
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, producer, NULL), 0);
	for (size_t got = 0; got < THREAD_BYTES; ) {
		if (rd(LSR) & 1) {
			uint8_t b = rd(RBR);
			ck_assert_msg(b == got % 251, "byte %zu is %u, want %zu", got, b, got % 251);
			got++;
		}
	}
	pthread_join(t, NULL);
	ck_assert_uint_eq(rd(LSR), 0x60);
	ck_assert_uint_eq(u.rx_count, THREAD_BYTES);
}
END_TEST

START_TEST(status_for_front_ends)
{
	struct uart_status st;
	uart_status(&u, &st);
	ck_assert_uint_eq(st.divisor, 12);  /* reset: 9600 baud */
	ck_assert_uint_eq(st.lsr, 0x60);
	ck_assert_uint_eq(st.tx_count, 0);
	ck_assert_uint_eq(st.rx_waiting, 0);
	ck_assert(!st.thr_irq);

	uart_set_irq(&u, on_irq, &irq_calls);
	wr(LCR, 0x80);
	wr(RBR, 0x01);                      /* DLL */
	wr(IER, 0x02);                      /* DLM: divisor 0x0201 */
	wr(LCR, 0x03);
	wr(SCR, 0x5a);
	wr(MCR, 0x08);                      /* OUT2: the line reaches the PIC */
	wr(IER, 0x01);                      /* RDI */
	wr(RBR, 'a');
	wr(RBR, 'b');
	ck_assert_uint_eq(uart_push_input(&u, (const uint8_t *)"xyz", 3), 3);
	uart_status(&u, &st);
	ck_assert_uint_eq(st.divisor, 0x0201);
	ck_assert_uint_eq(st.lcr, 0x03);
	ck_assert_uint_eq(st.scr, 0x5a);
	ck_assert_uint_eq(st.mcr, 0x08);
	ck_assert_uint_eq(st.ier, 0x01);
	ck_assert_uint_eq(st.tx_count, 2);
	ck_assert_uint_eq(st.rx_count, 3);
	ck_assert_uint_eq(st.rx_waiting, 3);
	ck_assert_uint_eq(st.lsr & 1, 0);   /* the raw register: data ready is rx_waiting */
	ck_assert(st.thr_irq);
	ck_assert_int_eq(st.irq_level, 1);  /* received data, RDI enabled */
	ck_assert_int_eq(st.irq_level, irq_level);
	rd(RBR);
	uart_status(&u, &st);
	ck_assert_uint_eq(st.rx_waiting, 2);
	ck_assert_uint_eq(st.rx_count, 3);
}
END_TEST

/* The PC's four serial ports: COM1-COM4 answer at their bases (the scratch
 * register keeps a value, as a probe checks), COM1 and COM2 drive IRQ 4 and
 * 3, COM3 and COM4 have no line; COM1's input raises IRQ 4 with RDI on. */
static int line_seen[16];

static void line_sink(void *ctx, int line, int level)
{
	(void)ctx;
	if (line >= 0 && line < 16)
		line_seen[line] = level;
}

START_TEST(pc_serial_ports)
{
	static struct machine m;
	char err[256];
	ck_assert_int_eq(machine_init(&m, &(struct machine_config){ .ram_size = 4 << 20 }, err, sizeof err), 0);
	ck_assert_int_eq(machine_irq_sink_add(&m, line_sink, NULL), 0);
	static const struct { const char *name; uint16_t base; int irq; } want[] = {
		{ "com1", 0x3F8, 4 }, { "com2", 0x2F8, 3 }, { "com3", 0x3E8, -1 }, { "com4", 0x2E8, -1 },
	};
	for (int i = 0; i < 4; i++) {
		struct machine_dev *d = machine_dev_find(&m, want[i].name);
		ck_assert_ptr_nonnull(d);
		ck_assert_uint_eq(d->range[0].base, want[i].base);
		ck_assert_uint_eq(d->nirqs, want[i].irq < 0 ? 0 : 1);
		if (want[i].irq >= 0)
			ck_assert_int_eq(d->irq[0].line, want[i].irq);
		uint8_t v = (uint8_t)(0xA5 + i), r = 0;
		machine_pio(&m, 0, (uint16_t)(want[i].base + SCR), &v, 1, true);
		machine_pio(&m, 0, (uint16_t)(want[i].base + SCR), &r, 1, false);
		ck_assert_uint_eq(r, v);
		machine_pio(&m, 0, (uint16_t)(want[i].base + LSR), &r, 1, false);
		ck_assert_uint_eq(r, 0x60);   /* idle, nothing received */
		v = 'x';
		machine_pio(&m, 0, (uint16_t)(want[i].base + RBR), &v, 1, true);   /* COM2-4: to nowhere */
	}
	ck_assert_ptr_eq(machine_device(&m, "com1"), &m.com1);
	uint8_t v = 0x08;
	machine_pio(&m, 0, 0x3F8 + MCR, &v, 1, true);
	v = 0x01;
	machine_pio(&m, 0, 0x3F8 + IER, &v, 1, true);
	ck_assert_int_eq(line_seen[4], 0);
	ck_assert_uint_eq(uart_push_input(&m.com1, (const uint8_t *)"k", 1), 1);   /* the stdin thread's call */
	ck_assert_int_eq(line_seen[4], 1);
	uint8_t r;
	machine_pio(&m, 0, 0x3F8 + RBR, &r, 1, false);
	ck_assert_uint_eq(r, 'k');
	ck_assert_int_eq(line_seen[4], 0);
	machine_destroy(&m);
}
END_TEST

static Suite *uart_suite(void)
{
	Suite *s = suite_create("uart");
	TCase *tc = tcase_create("uart");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, thr_output);
	tcase_add_test(tc, thr_without_output_callback);
	tcase_add_test(tc, lsr_idle_and_data_ready);
	tcase_add_test(tc, scratch);
	tcase_add_test(tc, dlab_divisor_latch);
	tcase_add_test(tc, dlab_does_not_read_rx);
	tcase_add_test(tc, loopback);
	tcase_add_test(tc, loopback_self_test_like_linux);
	tcase_add_test(tc, iir_values);
	tcase_add_test(tc, register_masks);
	tcase_add_test(tc, irq_line_and_out2);
	tcase_add_test(tc, irq_line_ungated_by_default);
	tcase_add_test(tc, wide_access);
	tcase_add_test(tc, push_capacity_and_order);
	tcase_add_test(tc, push_wraps_around);
	tcase_add_test(tc, fcr_clear_rx);
	tcase_add_test(tc, push_from_thread);
	tcase_add_test(tc, status_for_front_ends);
	tcase_add_test(tc, pc_serial_ports);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(uart_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

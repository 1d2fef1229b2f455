/* libFuzzer target: device register sequences on the PC's devices (8259 pair,
 * 8254, COM1, debug exit, VGA memory) through machine_pio()/machine_mmio() of
 * a machine made by machine_init, as an engine drives them (with the RTC,
 * PCI, POST and IMCR rows, and the unclaimed-access rule's stops).
 *
 * The input is a list of 8-byte ops:
 *   byte 0   bits 0-2: kind (port read, port write, MMIO read, MMIO write,
 *            raise/lower an IRQ line, an INTA cycle, let time pass, COM1
 *            input or a machine reset); bits 3-4: size (1 2 4, MMIO also 8)
 *   byte 1   which claimed range (the devices' own records, both buses),
 *            or the whole port space or 4 GiB of MMIO (unclaimed addresses,
 *            accesses across a range's ends)
 *   byte 2-3 offset into it (a little past its end too; for the whole MMIO
 *            space the high 16 bits of the address, bytes 4-5 the low)
 *   byte 4-7 the value
 * The PIT runs on a fake clock that only the "time" op advances, so a run
 * is reproducible; the real clock thread is not started.
 *
 * (The table's other devices, the 8042, COM2-4 and the VGA registers, are
 * reached the same way, through their claimed ranges.)
 *
 * After each op, cheap invariants: a read or write touched no byte past its
 * size; the PIC's state and acknowledged vectors are in range; each PIT
 * channel's mode, count and latch are sane; COM1's receive buffer is within
 * its bounds; a debug-exit write leaves the status bt86 exits with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/machine.h"
#include "monitor/rtc.h"

#define FZ_OP_SIZE 8
#define FZ_MAX_RANGES 66   /* the devices' 64 at most, and the two whole buses */

struct fz_range {
	enum machine_bus bus;
	uint64_t base, len;
};

/* What the fake clock and the checks share with the device hooks. */
struct fz_ctx {
	uint64_t now_ns;
	uint64_t tx_bytes;
	struct fz_range r[FZ_MAX_RANGES];
	unsigned nr;
};

static struct fz_ctx fz;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_devices: %s\n", what);
	abort();
}

static uint64_t fz_clock(void *opaque)
{
	return ((struct fz_ctx *)opaque)->now_ns;
}

static void fz_console(void *opaque, uint8_t b)
{
	(void)b;
	((struct fz_ctx *)opaque)->tx_bytes++;
}

/* pit_dev_init without the clock thread, on the fake clock. */
static int fz_pit_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	pit_init(&m->pit, &m->pic, fz_clock, &fz);
	d->state = &m->pit;
	if (machine_dev_pio(d, PIT_BASE, PIT_PORTS, NULL, pit_io, &m->pit, err, errlen) < 0 ||
	    machine_dev_pio(d, PIT_PORT61, 1, "port61", pit_port61_io, &m->pit, err, errlen) < 0 ||
	    machine_dev_irq(d, PIT_IRQ, NULL, err, errlen) < 0) {
		pit_destroy(&m->pit);
		return -1;
	}
	return 0;
}

static void fz_pit_destroy(struct machine_dev *d)
{
	pit_destroy(d->state);
}

static void fz_rtc_line(void *m, int level)
{
	machine_set_irq(m, RTC_IRQ, level);
}

/* rtc_dev_init on the fake clock, without the clock thread (time is
 * accounted at each access), from a fixed date. */
static int fz_rtc_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct rtc *r = calloc(1, sizeof *r);
	if (!r)
		return -1;
	rtc_init(r, fz_clock, &fz, 1700000000, d->m->mem.size);
	rtc_set_line(r, fz_rtc_line, d->m);
	d->state = r;
	if (machine_dev_pio(d, RTC_BASE, RTC_PORTS, NULL, rtc_io, r, err, errlen) < 0 ||
	    machine_dev_irq(d, RTC_IRQ, NULL, err, errlen) < 0) {
		rtc_destroy(r);
		free(r);
		return -1;
	}
	return 0;
}

static void fz_rtc_destroy(struct machine_dev *d)
{
	rtc_destroy(d->state);
	free(d->state);
}

/* The PC's table with the timers' rows replaced. */
static size_t fz_devtable(struct machine_devtype *out, size_t max)
{
	size_t n;
	const struct machine_devtype *pc = machine_devtable(&n);
	if (n > max)
		fail("the device table grew; raise its copy's size");
	for (size_t i = 0; i < n; i++) {
		out[i] = pc[i];
		if (!strcmp(pc[i].name, "pit")) {
			out[i].init = fz_pit_init;
			out[i].destroy = fz_pit_destroy;
		}
		if (!strcmp(pc[i].name, "rtc")) {
			out[i].init = fz_rtc_init;
			out[i].destroy = fz_rtc_destroy;
		}
	}
	return n;
}

static void check_pic(struct machine *m, int vector)
{
	for (int i = 0; i < 2; i++) {
		const struct pic_chip *c = &m->pic.chip[i];
		if (c->init_step != 0 && (c->init_step < 2 || c->init_step > 4))
			fail("a PIC expects an impossible ICW");
		if (c->highest > 7)
			fail("a PIC's priority rotation left IR0-7");
	}
	if (vector < -1 || vector > 255)
		fail("an INTA cycle gave a vector outside 0-255");
	if (vector >= 0 && !m->lapic) {   /* with a local APIC, any vector the guest programmed */
		unsigned mb = m->pic.chip[PIC_MASTER].base, sb = m->pic.chip[PIC_SLAVE].base;
		if ((unsigned)(vector & ~7) != mb && (unsigned)(vector & ~7) != sb)
			fail("an INTA cycle gave a vector outside both PICs' bases");
	}
}

static void check_pit(struct machine *m)
{
	for (int i = 0; i < PIT_CHANNELS; i++) {
		const struct pit_channel *c = &m->pit.ch[i];
		if (c->mode > 5 || c->cw_mode > 7)
			fail("a PIT channel's mode is out of range");
		if (c->state != PIT_IDLE && (c->count < 1 || c->count > 65536))
			fail("a counting PIT channel has a count outside 1-65536");
		if (c->latch_left > 2)
			fail("a PIT channel latched more than two bytes");
		if (c->access > 3)
			fail("a PIT channel's access mode is out of range");
	}
}

static void check_uart(struct machine *m)
{
	struct uart_status st;
	uart_status(&m->com1, &st);
	if (st.rx_waiting > UART_RX_CAP || m->com1.rx_head >= UART_RX_CAP)
		fail("COM1's receive buffer is out of bounds");
	if (st.irq_level != 0 && st.irq_level != 1)
		fail("COM1's IRQ level is neither 0 nor 1");
}

/* Bytes past an access's size must be as they were: a device that writes
 * more than it was asked corrupts the engine's registers. */
static void dev_access(struct machine *m, const uint8_t *op, unsigned size, bool is_write)
{
	if (!fz.nr)
		return;
	const struct fz_range *r = &fz.r[op[1] % fz.nr];
	uint64_t off = (uint64_t)(op[2] | op[3] << 8);
	if (r->len == 1ull << 32)
		off = off << 16 | (uint64_t)(op[4] | op[5] << 8);
	else if (r->len > 0x10000)
		off = (off << 1) % r->len;
	else if (r->len < 0x10000)   /* the whole port space takes off as it is */
		off %= r->len + 4;
	uint8_t buf[16];
	memset(buf, 0xa5, sizeof buf);
	memcpy(buf, op + 4, size < 4 ? size : 4);
	if (size == 8)
		memcpy(buf + 4, op + 4, 4);
	uint32_t eip = 0x100000;
	if (r->bus == MACHINE_BUS_PIO)
		machine_pio(m, eip, (uint16_t)(r->base + off), buf, size, is_write);
	else
		machine_mmio(m, eip, r->base + off, buf, size, is_write);
	for (unsigned i = size; i < sizeof buf; i++)
		if (buf[i] != 0xa5)
			fail("a device access touched bytes past its size");
	/* A request (debug exit, reset, unsupported) is taken as an engine
	 * would, after the access. */
	if (m->exit_pending) {
		bool exit = m->req == MACHINE_REQ_EXIT, unsup = m->req == MACHINE_REQ_UNSUPPORTED;
		int status = m->exit_status;
		if (exit && status != dbgexit_status(m->exit_value))
			fail("the debug-exit status does not match its value");
		struct stop_info st;
		if (!machine_take_exit(m, eip, &st) || (exit && st.status != status))
			fail("the request was not taken");
		if (unsup && st.status != STATUS_GUEST_ERROR)
			fail("an unsupported access did not stop with status 4");
	}
}

static void run_op(struct machine *m, const uint8_t *op)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	unsigned kind = op[0] & 7, size = sizes[op[0] >> 3 & 3];
	uint32_t v;
	memcpy(&v, op + 4, 4);
	int vector = -1;

	switch (kind) {
	case 0: case 1:
		dev_access(m, op, size == 8 ? 4 : size, kind == 1);
		break;
	case 2: case 3:
		dev_access(m, op, size, kind == 3);
		break;
	case 4:
		machine_set_irq(m, op[2] & 15, op[3] & 1);
		break;
	case 5:
		if (machine_intr_pending(m, 0))
			vector = machine_intr_ack(m, 0);
		break;
	case 6:
		/* Up to about 4 s, in steps as small as a nanosecond. */
		fz.now_ns += v >> (op[1] & 31);
		pit_update(&m->pit);
		break;
	case 7:
		if (op[1] == 0xff)
			machine_reset(m);
		else
			uart_push_input(&m->com1, op + 2, op[1] % 7);
		break;
	}
	check_pic(m, vector);
	check_pit(m);
	check_uart(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine_devtype table[64];
	size_t ndev = fz_devtable(table, 64);
	struct machine m;
	char err[256];

	memset(&fz, 0, sizeof fz);
	fz.now_ns = 1000000000ull;
	struct machine_config cfg = { .ram_size = GMEM_MIN_SIZE, .console_out = fz_console,
				      .console_opaque = &fz, .devices = table, .ndevices = ndev };
	if (machine_init(&m, &cfg, err, sizeof err) < 0)
		fail(err);
	for (size_t i = 0; i < m.ndev; i++)
		for (unsigned j = 0; j < m.dev[i].nranges && fz.nr < FZ_MAX_RANGES - 2; j++)
			fz.r[fz.nr++] = (struct fz_range){ m.dev[i].range[j].bus, m.dev[i].range[j].base,
							   m.dev[i].range[j].len };
	fz.r[fz.nr++] = (struct fz_range){ MACHINE_BUS_PIO, 0, 0x10000 };
	fz.r[fz.nr++] = (struct fz_range){ MACHINE_BUS_MMIO, 0, 1ull << 32 };
	for (size_t off = 0; off + FZ_OP_SIZE <= size; off += FZ_OP_SIZE)
		run_op(&m, data + off);
	/* The front ends' views of the state must print whatever it is. */
	char buf[1024];
	pic_describe(&m.pic, buf, sizeof buf);
	pit_describe(&m.pit, buf, sizeof buf);
	machine_destroy(&m);
	return 0;
}

/* The PC's interrupt controllers: two cascaded Intel 8259A PICs, the master at
 * ports 0x20-0x21 and the slave at 0xA0-0xA1 with its INT output wired to the
 * master's IR2. Devices (on any thread) drive the 16 IRQ lines with
 * pic_set_irq(); the machine's interrupt seam (monitor/machine_intr.c) samples
 * the INTR output with pic_intr() when an engine asks at an instruction
 * boundary and, when the guest has IF=1, runs the INTA cycle with pic_ack(),
 * which returns the vector to deliver. The guest programs the chips
 * through the two io_fn handlers with the datasheet's ICW1-ICW4 initialisation
 * sequence and OCW1-OCW3 operation commands.
 *
 *   struct pic pic;
 *   pic_init(&pic, wake_vcpu, vcpu);          // wake_vcpu(vcpu) when INTR may rise
 *   iobus_register(&pio, PIC_MASTER_BASE, PIC_PORTS, "pic-master", pic_master_io, &pic);
 *   iobus_register(&pio, PIC_SLAVE_BASE, PIC_PORTS, "pic-slave", pic_slave_io, &pic);
 *   pic_set_irq(&pic, 4, 1);                  // COM1 raises its line (any thread)
 *   if (guest_if && pic_intr(&pic))           // machine_intr_pending, for the vCPU
 *           deliver_interrupt(pic_ack(&pic)); // machine_intr_ack
 *
 * Modelled: edge- and level-triggered (ICW1.LTIM) inputs, single and cascade
 * mode, ICW4 auto-EOI and special fully nested mode, the IMR, non-specific and
 * specific EOI, rotation on EOI and in auto-EOI, set priority, special mask
 * mode, IRR/ISR reads and the poll command, spurious IRQ 7 / 15.
 *
 * Choices where the datasheet leaves room (all as QEMU does unless said):
 * - An edge-triggered request stays in the IRR until it is acknowledged even if
 *   the line drops first (the real chip wants the line held until INTA). This
 *   lets the PIT deliver its output edges as pulses. A request vanishes only if
 *   it is masked, or (level mode) its line drops; then INTA reads IRQ 7 / 15.
 * - The master's IR2 latches the slave's INT output like any edge input; the
 *   slave's INT is treated as dropping during INTA, so a slave request still
 *   pending after an acknowledge (auto-EOI) latches IR2 again.
 * - Vectors are always the 8086 format (ICW2 base + line), even if ICW4 says
 *   MCS-80/85 mode; ADI, BUF and M/S are stored but have no effect.
 * - At reset the chips are as a PC BIOS leaves them for a multiboot kernel:
 *   initialised with vector bases 0x08 / 0x70, cascaded on IR2, 8086 mode, and
 *   every line masked except the master's cascade input.
 *
 * Threads and locks: one mutex guards both chips; it is a leaf lock (nothing
 * is called while it is held). The notify callback runs on the thread that
 * caused the change, without the lock, and may run on the vCPU thread itself
 * (an EOI or unmask by the guest can raise INTR).
 */
#ifndef BT86_MONITOR_PIC_H
#define BT86_MONITOR_PIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PIC_MASTER_BASE  0x20  /* master command (A0=0) and data (A0=1) ports */
#define PIC_SLAVE_BASE   0xA0  /* slave command and data ports */
#define PIC_PORTS        2     /* ports per chip */
#define PIC_NR_IRQS      16    /* IRQ 0-7 on the master, 8-15 on the slave */
#define PIC_CASCADE_IR   2     /* master input the slave's INT drives */
#define PIC_SPURIOUS_IR  7     /* line INTA reports when the request vanished */

/* Reset state: as the PC BIOS programs the pair before booting a kernel. */
#define PIC_RESET_MASTER_VEC 0x08  /* master ICW2: IRQ 0-7 at vectors 0x08-0x0F */
#define PIC_RESET_SLAVE_VEC  0x70  /* slave ICW2: IRQ 8-15 at vectors 0x70-0x77 */
#define PIC_RESET_MASTER_IMR 0xFB  /* all masked except IR2 (cascade) */
#define PIC_RESET_SLAVE_IMR  0xFF  /* all masked */

/* ICW1 (written to the command port with bit 4 set). */
#define PIC_ICW1_IC4   0x01  /* ICW4 will follow */
#define PIC_ICW1_SNGL  0x02  /* single chip: no ICW3 */
#define PIC_ICW1_ADI   0x04  /* call address interval 4 (MCS-80 only; ignored) */
#define PIC_ICW1_LTIM  0x08  /* level-triggered inputs */
#define PIC_ICW1_INIT  0x10  /* identifies ICW1 on the command port */

/* ICW2: vector base (bits 7-3; the line number fills bits 2-0). */
#define PIC_ICW2_BASE_MASK 0xF8

/* ICW3: on the master a bit per input with a slave; on a slave its ID (bits 2-0). */
#define PIC_ICW3_MASTER_DEFAULT 0x04  /* slave on IR2 */
#define PIC_ICW3_SLAVE_DEFAULT  0x02  /* slave ID 2 */
#define PIC_ICW3_ID_MASK        0x07  /* slave ID field */

/* ICW4. */
#define PIC_ICW4_UPM   0x01  /* 8086/8088 mode (0 = MCS-80/85) */
#define PIC_ICW4_AEOI  0x02  /* automatic end of interrupt */
#define PIC_ICW4_MS    0x04  /* buffered mode: 1 = master, 0 = slave */
#define PIC_ICW4_BUF   0x08  /* buffered mode */
#define PIC_ICW4_SFNM  0x10  /* special fully nested mode */

/* OCW2 (command port, bits 4-3 = 00): R SL EOI in bits 7-5, level in 2-0. */
#define PIC_OCW2_LEVEL      0x07  /* L2-L0: the IR level for SL commands */
#define PIC_OCW2_CMD        0xE0  /* R, SL, EOI bits */
#define PIC_OCW2_ROT_AEOI_CLR 0x00  /* clear rotate in auto-EOI mode */
#define PIC_OCW2_NSEOI      0x20  /* non-specific EOI */
#define PIC_OCW2_NOP        0x40  /* no operation */
#define PIC_OCW2_SEOI       0x60  /* specific EOI (level in L2-L0) */
#define PIC_OCW2_ROT_AEOI_SET 0x80  /* set rotate in auto-EOI mode */
#define PIC_OCW2_ROT_NSEOI  0xA0  /* rotate on non-specific EOI */
#define PIC_OCW2_SET_PRIO   0xC0  /* set priority: L2-L0 becomes the lowest */
#define PIC_OCW2_ROT_SEOI   0xE0  /* rotate on specific EOI */

/* OCW3 (command port, bits 4-3 = 01). */
#define PIC_OCW3_RIS   0x01  /* with RR: 1 = read ISR, 0 = read IRR */
#define PIC_OCW3_RR    0x02  /* act on RIS */
#define PIC_OCW3_P     0x04  /* poll command: next read is an INTA */
#define PIC_OCW3_SEL   0x08  /* identifies OCW3 (with bit 4 clear) */
#define PIC_OCW3_SMM   0x20  /* with ESMM: 1 = set, 0 = reset special mask mode */
#define PIC_OCW3_ESMM  0x40  /* act on SMM */
#define PIC_OCW3_READ_IRR 0x0A  /* the usual "read IRR" command byte */
#define PIC_OCW3_READ_ISR 0x0B  /* the usual "read ISR" command byte */
#define PIC_OCW3_POLL     0x0C  /* the usual poll command byte */

/* Poll word returned after a poll command. */
#define PIC_POLL_INT   0x80  /* an interrupt was pending (and is now in service) */
#define PIC_POLL_LEVEL 0x07  /* its IR level */

enum { PIC_MASTER = 0, PIC_SLAVE = 1 };

/* Called, without the PIC's lock, when the INTR output may have become asserted. */
typedef void pic_notify_fn(void *opaque);

/* One 8259A. */
struct pic_chip {
	uint8_t irr;         /* interrupt request register */
	uint8_t isr;         /* in-service register */
	uint8_t imr;         /* interrupt mask register (OCW1) */
	uint8_t lines;       /* input pin levels, for edge detection */
	uint8_t base;        /* vector base from ICW2 (bits 7-3) */
	uint8_t icw1, icw3, icw4;
	uint8_t highest;     /* IR level with the highest priority (rotation) */
	uint8_t init_step;   /* 0 = operational, else the ICW (2, 3, 4) expected next */
	bool master;         /* the master chip (SFNM and cascade apply) */
	bool read_isr;       /* OCW3: command port reads ISR rather than IRR */
	bool poll;           /* OCW3 poll: the next read is an acknowledge */
	bool special_mask;   /* OCW3 special mask mode */
	bool rotate_aeoi;    /* OCW2 rotate in auto-EOI mode */
};

struct pic {
	struct pic_chip chip[2];   /* [PIC_MASTER], [PIC_SLAVE] */
	pic_notify_fn *notify;
	void *opaque;
	uint64_t acks;             /* INTA cycles (pic_ack calls) */
	uint64_t spurious[2];      /* spurious IRQ 7 and IRQ 15 */
	pthread_mutex_t lock;      /* devices raise IRQs from other threads */
};

void pic_init(struct pic *p, pic_notify_fn *notify, void *opaque);
void pic_destroy(struct pic *p);
/* Both chips back in their reset state (above), input lines low, counts
 * zero; the notify callback stays. INTR can only drop, so no notify. */
void pic_reset(struct pic *p);

/* Drive IRQ line irq (0-15; others are ignored) to level 0 or 1. Thread-safe. */
void pic_set_irq(struct pic *p, int irq, int level);

/* The INTR output: an unmasked request outranks everything in service. */
bool pic_intr(struct pic *p);

/* The INTA cycle: the vector of the highest-priority request, now in service.
 * With no request left it returns the spurious vector of IR7 (master base + 7,
 * nothing set in service), or, if the master chose the cascade but the slave
 * has nothing, the slave's IR7 (slave base + 7, with IR2 in the master's ISR). */
int pic_ack(struct pic *p);

/* io_fn handlers (monitor/iobus.h), opaque = struct pic *, off 0 = command
 * port (ICW1, OCW2, OCW3; reads IRR/ISR or the poll word), off 1 = data port
 * (ICW2-ICW4, OCW1; reads the IMR). */
void pic_master_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
void pic_slave_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

/* A few lines for a debugger's "info pic" (IRR ISR IMR vector base per chip). */
void pic_describe(struct pic *p, char *buf, size_t len);

/* The machine's 8259A pair (monitor/device.h hooks; state: machine.pic). It
 * claims IRQ 2, the master's cascade input. */
struct machine_dev;
int pic_dev_init(struct machine_dev *d, char *err, size_t errlen);
void pic_dev_reset(struct machine_dev *d);
void pic_dev_destroy(struct machine_dev *d);

#endif

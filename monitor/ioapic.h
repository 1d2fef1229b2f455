/* The I/O APIC: one Intel 82093AA at 0xFEC00000 with 24 inputs (its
 * datasheet, and the SDM vol. 3 ch. 10 for the messages it sends). The
 * ISA lines reach it through the machine's IRQ fan-out, IRQ n at pin
 * PC_ISA_GSI(n) (the PIT's IRQ0 at pin 2); each pin's redirection entry
 * turns an edge or an asserted level into an interrupt message for the
 * local APICs it names.
 *
 *   struct ioapic io;
 *   ioapic_init(&io, 1, &(struct ioapic_hooks){ .deliver = to_lapic, .ctx = &lapic });
 *   ioapic_mmio(&io, 0x00, &sel, 4, true);  ioapic_mmio(&io, 0x10, &val, 4, true);
 *   ioapic_set_irq(&io, 4, 1);              // COM1's line, at pin 4
 *
 * Modelled: IOREGSEL/IOWIN (32-bit accesses), the ID, version (0x170011)
 * and arbitration registers, 24 redirection entries (vector, delivery
 * mode, destination mode, polarity, trigger mode, mask, remote IRR and
 * delivery status read-only, destination), edge pins (a rising edge of an
 * unmasked pin sends a message; an edge on a masked pin is lost) and level
 * pins (an asserted unmasked pin sends and sets remote IRR; the local
 * APIC's EOI broadcast for the vector clears it and, if the pin is still
 * asserted, sends again; unmasking an asserted pin sends).
 *
 * Choices: delivery is immediate, so delivery status reads 0; polarity
 * low inverts the pin (ISA lines are active high); the arbitration ID
 * follows the ID; ExtINT, NMI, SMI and INIT entries are passed to the
 * local APICs, which stop the guest as unsupported for those they do not
 * model. Reset: every entry masked (0x10000), ID PC_IOAPIC_ID.
 *
 * Threads and locks: one mutex; messages go to the local APICs with it
 * held (order ioapic -> lapic). */
#ifndef BT86_MONITOR_IOAPIC_H
#define BT86_MONITOR_IOAPIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/lapic.h"

#define IOAPIC_PINS     24
#define IOAPIC_VERSION  0x00170011u   /* max redirection entry 23, version 0x11 */
#define IOAPIC_REGSEL   0x00
#define IOAPIC_WIN      0x10
enum { IOAPIC_REG_ID = 0x00, IOAPIC_REG_VER = 0x01, IOAPIC_REG_ARB = 0x02, IOAPIC_REG_REDIR = 0x10 };

#define IOAPIC_RTE_MASKED    (1u << 16)
#define IOAPIC_RTE_LEVEL     (1u << 15)
#define IOAPIC_RTE_REMOTE    (1u << 14)
#define IOAPIC_RTE_LOW       (1u << 13)
#define IOAPIC_RTE_STATUS    (1u << 12)
#define IOAPIC_RTE_LOGICAL   (1u << 11)

struct ioapic_hooks {
	void (*deliver)(void *ctx, const struct lapic_msg *msg);
	void *ctx;
	struct evlog *events;     /* may be NULL */
};

struct ioapic {
	uint32_t id;              /* bits 27:24 */
	uint32_t reset_id;
	uint8_t sel;              /* IOREGSEL */
	uint64_t rte[IOAPIC_PINS];
	uint32_t pins;            /* input levels as driven (before polarity) */
	uint64_t sent[IOAPIC_PINS];
	struct ioapic_hooks h;
	pthread_mutex_t lock;
};

void ioapic_init(struct ioapic *io, unsigned id, const struct ioapic_hooks *h);
void ioapic_destroy(struct ioapic *io);
void ioapic_reset(struct ioapic *io);

/* IOREGSEL at off 0, IOWIN at off 0x10. */
void ioapic_mmio(struct ioapic *io, uint64_t off, void *data, unsigned size, bool is_write);
/* Drive input pin (0-23) to level. Thread-safe. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, int level);
/* A local APIC's EOI for a level-triggered vector. */
void ioapic_eoi(struct ioapic *io, int vector);

/* A register as IOWIN would read it, or a whole entry (tests, `info ioapic`). */
uint32_t ioapic_read_reg(struct ioapic *io, unsigned index);
uint64_t ioapic_entry(struct ioapic *io, unsigned pin);

/* `info ioapic`: the registers and every entry that is not masked-and-idle. */
void ioapic_describe(struct ioapic *io, char *buf, size_t len);

/* The machine's IOAPIC (monitor/device.h hooks; state: machine.ioapic). It
 * needs the local APICs (a row after "lapic"); without them it is absent. */
struct machine_dev;
int ioapic_dev_init(struct machine_dev *d, char *err, size_t errlen);
void ioapic_dev_reset(struct machine_dev *d);
void ioapic_dev_destroy(struct machine_dev *d);

#endif

/* A PS/2 (MF2) keyboard, as it sits behind the 8042 controller: it takes
 * command bytes from the host, answers them (0xFA ACK, 0xAA self-test
 * passed, 0xFE resend) and sends scancodes for keys. It natively speaks
 * scancode set 2, as real keyboards do; the 8042's translation (i8042.c)
 * turns that into the set 1 xv6 and Linux read. Set 1 can also be asked for
 * directly (F0 01); set 3 is acknowledged but not modelled (set 2 stays).
 *
 * No locking here: the owner (struct i8042) serialises every call.
 *
 *   ps2kbd_reset(&k);
 *   ps2kbd_write(&k, 0xF4);                  // enable: queues 0xFA
 *   ps2kbd_type_ascii(&k, "ls\n", 3);        // make/break codes queued
 *   while (ps2kbd_pending(&k)) byte = ps2kbd_pop(&k);
 */
#ifndef BT86_MONITOR_PS2KBD_H
#define BT86_MONITOR_PS2KBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS2KBD_QUEUE 512    /* bytes; a real keyboard holds 16, typed text needs more */

#define PS2_ACK      0xFA
#define PS2_RESEND   0xFE
#define PS2_BAT_OK   0xAA
#define PS2_ECHO     0xEE

struct ps2kbd {
	uint8_t q[PS2KBD_QUEUE];
	unsigned head, len;
	uint8_t pending;          /* a command waiting for its parameter byte, or 0 */
	uint8_t last_sent;        /* for 0xFE resend */
	bool scanning;            /* F4 enable / F5 disable */
	uint8_t set;              /* scancode set in use: 1 or 2 */
	uint8_t leds;             /* ED: bit 0 scroll, 1 num, 2 caps */
	uint8_t typematic;        /* F3: rate and delay */
	uint64_t dropped;         /* bytes lost to a full queue */
};

void ps2kbd_reset(struct ps2kbd *k);
/* A byte from the host (a command or a command's parameter). */
void ps2kbd_write(struct ps2kbd *k, uint8_t b);
bool ps2kbd_pending(const struct ps2kbd *k);
uint8_t ps2kbd_pop(struct ps2kbd *k);

/* One key's make (pressed) or break code, given its set 2 make code
 * (extended: the E0-prefixed keys). Nothing while scanning is disabled. */
void ps2kbd_key(struct ps2kbd *k, uint8_t set2, bool extended, bool pressed);
/* Type text: for each character its key, with Shift or Ctrl held around
 * it as needed. Letters, digits, space, punctuation, '\n' or '\r' (Enter),
 * '\b' or 0x7F (Backspace), '\t', 0x1B (Escape) and Ctrl+letter (0x01-0x1A
 * but those). Returns how many characters were typed; others are skipped. */
size_t ps2kbd_type_ascii(struct ps2kbd *k, const char *text, size_t len);

/* The set 2 make code of c and whether it needs Shift; false if no key types it. */
bool ps2kbd_ascii_key(char c, uint8_t *set2, bool *shift);
/* The 8042's translation of a set 2 code to set 1 (the break flag aside). */
uint8_t ps2kbd_set2_to_set1(uint8_t code);

#endif

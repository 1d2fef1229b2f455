/* PS/2 keyboard model (see ps2kbd.h). Command set and replies per the IBM
 * PS/2 keyboard technical reference, as Linux's atkbd drives it. */
#include "monitor/ps2kbd.h"

#include <string.h>

#define SET2_LSHIFT 0x12
#define SET2_LCTRL  0x14
#define SET2_ENTER  0x5A
#define SET2_BKSP   0x66
#define SET2_TAB    0x0D
#define SET2_ESC    0x76
#define SET2_SPACE  0x29
#define SET2_BREAK  0xF0
#define PREFIX_EXT  0xE0

/* The 8042's fixed set 2 -> set 1 translation for codes below 0x80 (IBM
 * PC/AT technical reference; Bochs and QEMU carry the same table). */
static const uint8_t ps2kbd_xlat[0x80] = {
	0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
	0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
	0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
	0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
	0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
	0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
	0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
	0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

uint8_t ps2kbd_set2_to_set1(uint8_t code)
{
	if (code < 0x80)
		return ps2kbd_xlat[code];
	if (code == 0x83)   /* F7 and the ID's second byte */
		return 0x41;
	if (code == 0x84)   /* Alt+SysRq */
		return 0x54;
	return code;
}

/* US layout: the characters each key types without and with Shift, and the
 * keys' set 2 make codes, position by position. */
static const char ps2kbd_plain[] = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./";
static const char ps2kbd_shifted[] = "~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>?";
static const uint8_t ps2kbd_codes[] = {
	0x0E, 0x16, 0x1E, 0x26, 0x25, 0x2E, 0x36, 0x3D, 0x3E, 0x46, 0x45, 0x4E, 0x55,
	0x15, 0x1D, 0x24, 0x2D, 0x2C, 0x35, 0x3C, 0x43, 0x44, 0x4D, 0x54, 0x5B, 0x5D,
	0x1C, 0x1B, 0x23, 0x2B, 0x34, 0x33, 0x3B, 0x42, 0x4B, 0x4C, 0x52,
	0x1A, 0x22, 0x21, 0x2A, 0x32, 0x31, 0x3A, 0x41, 0x49, 0x4A,
};
_Static_assert(sizeof ps2kbd_plain - 1 == sizeof ps2kbd_codes, "one code per key");
_Static_assert(sizeof ps2kbd_shifted - 1 == sizeof ps2kbd_codes, "one code per key");

bool ps2kbd_ascii_key(char c, uint8_t *set2, bool *shift)
{
	*shift = false;
	switch (c) {
	case ' ': *set2 = SET2_SPACE; return true;
	case '\n': case '\r': *set2 = SET2_ENTER; return true;
	case '\b': case 0x7f: *set2 = SET2_BKSP; return true;
	case '\t': *set2 = SET2_TAB; return true;
	case 0x1b: *set2 = SET2_ESC; return true;
	}
	if (c == 0)
		return false;
	const char *p = strchr(ps2kbd_plain, c);
	if (p) {
		*set2 = ps2kbd_codes[p - ps2kbd_plain];
		return true;
	}
	p = strchr(ps2kbd_shifted, c);
	if (p) {
		*set2 = ps2kbd_codes[p - ps2kbd_shifted];
		*shift = true;
		return true;
	}
	return false;
}

static void ps2kbd_put(struct ps2kbd *k, uint8_t b)
{
	if (k->len == PS2KBD_QUEUE) {
		k->dropped++;
		return;
	}
	k->q[(k->head + k->len) % PS2KBD_QUEUE] = b;
	k->len++;
}

static void ps2kbd_defaults(struct ps2kbd *k)
{
	k->set = 2;
	k->typematic = 0x2B;   /* 10.9 cps, 500 ms: the power-on default */
	k->leds = 0;
}

void ps2kbd_reset(struct ps2kbd *k)
{
	memset(k, 0, sizeof *k);
	ps2kbd_defaults(k);
	k->scanning = true;
}

bool ps2kbd_pending(const struct ps2kbd *k)
{
	return k->len != 0;
}

uint8_t ps2kbd_pop(struct ps2kbd *k)
{
	if (!k->len)
		return 0;
	uint8_t b = k->q[k->head];
	k->head = (k->head + 1) % PS2KBD_QUEUE;
	k->len--;
	k->last_sent = b;
	return b;
}

/* The parameter byte of a two-byte command. */
static void ps2kbd_param(struct ps2kbd *k, uint8_t cmd, uint8_t v)
{
	switch (cmd) {
	case 0xED:
		k->leds = v & 7;
		ps2kbd_put(k, PS2_ACK);
		break;
	case 0xF3:
		k->typematic = v & 0x7f;
		ps2kbd_put(k, PS2_ACK);
		break;
	case 0xF0:
		if (v > 3) {
			ps2kbd_put(k, PS2_RESEND);
			break;
		}
		ps2kbd_put(k, PS2_ACK);
		if (v == 0)
			ps2kbd_put(k, k->set);   /* the controller translates it, as on a PC */
		else if (v == 1)
			k->set = 1;
		else
			k->set = 2;   /* set 3 is not modelled: keep speaking set 2 */
		break;
	}
}

void ps2kbd_write(struct ps2kbd *k, uint8_t b)
{
	if (k->pending && !(b & 0x80)) {
		uint8_t cmd = k->pending;
		k->pending = 0;
		ps2kbd_param(k, cmd, b);
		return;
	}
	k->pending = 0;   /* a command byte instead of the parameter: a new command */
	if (b != 0xFE && b != 0xEE)
		k->len = 0;   /* a command clears the keyboard's output buffer */
	switch (b) {
	case 0xFF:   /* reset: ACK, then the basic assurance test passed */
		ps2kbd_reset(k);
		ps2kbd_put(k, PS2_ACK);
		ps2kbd_put(k, PS2_BAT_OK);
		break;
	case 0xFE:
		ps2kbd_put(k, k->last_sent);
		break;
	case 0xF6:
		ps2kbd_defaults(k);
		ps2kbd_put(k, PS2_ACK);
		break;
	case 0xF5:
		ps2kbd_defaults(k);
		k->scanning = false;
		ps2kbd_put(k, PS2_ACK);
		break;
	case 0xF4:
		k->scanning = true;
		ps2kbd_put(k, PS2_ACK);
		break;
	case 0xF2:   /* identify: an MF2 keyboard */
		ps2kbd_put(k, PS2_ACK);
		ps2kbd_put(k, 0xAB);
		ps2kbd_put(k, 0x83);
		break;
	case 0xEE:
		ps2kbd_put(k, PS2_ECHO);
		break;
	case 0xED:
	case 0xF3:
	case 0xF0:
		k->pending = b;
		ps2kbd_put(k, PS2_ACK);
		break;
	default:
		ps2kbd_put(k, PS2_RESEND);
		break;
	}
}

void ps2kbd_key(struct ps2kbd *k, uint8_t set2, bool extended, bool pressed)
{
	if (!k->scanning)
		return;
	if (extended)
		ps2kbd_put(k, PREFIX_EXT);
	if (k->set == 1) {
		ps2kbd_put(k, (uint8_t)(ps2kbd_set2_to_set1(set2) | (pressed ? 0 : 0x80)));
		return;
	}
	if (!pressed)
		ps2kbd_put(k, SET2_BREAK);
	ps2kbd_put(k, set2);
}

static void ps2kbd_tap(struct ps2kbd *k, uint8_t set2, uint8_t modifier)
{
	if (modifier)
		ps2kbd_key(k, modifier, false, true);
	ps2kbd_key(k, set2, false, true);
	ps2kbd_key(k, set2, false, false);
	if (modifier)
		ps2kbd_key(k, modifier, false, false);
}

size_t ps2kbd_type_ascii(struct ps2kbd *k, const char *text, size_t len)
{
	size_t typed = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		uint8_t code;
		bool shift;
		if (ps2kbd_ascii_key(c, &code, &shift)) {
			ps2kbd_tap(k, code, shift ? SET2_LSHIFT : 0);
			typed++;
		} else if (c >= 0x01 && c <= 0x1a && ps2kbd_ascii_key((char)('a' + c - 1), &code, &shift)) {
			ps2kbd_tap(k, code, SET2_LCTRL);   /* Ctrl+letter (Enter, Tab, BS matched above) */
			typed++;
		}
	}
	return typed;
}

/* kbd.c — the 8042 keyboard controller and a PS/2 keyboard, driven as
 * Linux's i8042/atkbd and xv6's kbd.c drive them.
 *
 * Initialisation, as Linux's i8042_controller_init does it: both ports
 * disabled (0xAD, 0xA7), the output buffer flushed, the command byte read
 * (0x20), the controller's self test (0xAA -> 0x55) and the keyboard
 * interface test (0xAB -> 0x00), the command byte written with translation,
 * the system flag and the keyboard interrupt (0x60), the keyboard port
 * enabled (0xAE); then, as atkbd does: keyboard reset (0xFF -> 0xFA 0xAA),
 * identify (0xF2 -> 0xFA 0xAB 0x41 translated), LEDs off (0xED 0x00) and
 * scanning enabled (0xF4). Every step is printed with what came back.
 *
 * Then IRQ 1 through the 8259A (vector 0x21): the handler reads port 0x60
 * while the status says a byte is there, decodes set 1 make/break codes as
 * xv6's kbd.c does (Shift, Ctrl, Caps Lock; E0 prefixes skipped), and keeps
 * the characters. The sample calls kbd_ready() once it waits for keys (a
 * debugger puts a breakpoint there and types), echoes each line typed as
 * "kbd: line: TEXT" and ends at a line "quit" (or after `lines=N` lines,
 * default 1) with value 0. Backspace removes a character, Ctrl+letter
 * prints as ^X. A controller that does not answer ends it with value 0x20.
 * COM1's received characters (IRQ 4: IER received-data, MCR OUT2) join the
 * same input, a CR as Enter, so a line may also come from bt86's stdin or
 * the TUI's console pane.
 * The CGA text screen says "kbd: type here" on its first row and echoes
 * what is typed below it, moving the hardware cursor (CRTC 0x0E/0x0F) as
 * xv6's cgaputc does.
 */
#include "rt.h"

#define KBC_DATA     0x60
#define KBC_STATUS   0x64
#define STR_OBF      0x01
#define STR_IBF      0x02
#define STR_AUXOBF   0x20
#define CB_KBDINT    0x01
#define CB_SYS       0x04
#define CB_AUXDIS    0x20
#define CB_XLATE     0x40

#define PIC1_CMD     0x20
#define PIC1_DATA    0x21
#define PIC2_CMD     0xA0
#define PIC2_DATA    0xA1
#define PIC1_VECTOR  0x20
#define KBD_VECTOR   (PIC1_VECTOR + 1)
#define IMR_IRQ1_4   0xED     /* the keyboard and COM1 */
#define COM1         0x3F8
#define COM1_VECTOR  (PIC1_VECTOR + 4)
#define EOI          0x20

#define POLLS        1000000   /* status reads before a reply counts as missing */
#define LINE_MAX     120

#define CRTC_INDEX   0x3D4
#define CRTC_DATA    0x3D5
#define CGA_COLS     80
#define CGA_CELLS    (80 * 25)
#define CGA_GREY     0x0700

static volatile unsigned irqs, bytes;
static volatile uint16_t *const cga = (volatile uint16_t *)0xB8000;
static unsigned cga_pos;

static void cga_cursor(void)
{
	outb(CRTC_INDEX, 0x0E);
	outb(CRTC_DATA, (uint8_t)(cga_pos >> 8));
	outb(CRTC_INDEX, 0x0F);
	outb(CRTC_DATA, (uint8_t)cga_pos);
}

static void cga_putc(char c)
{
	if (c == '\n') {
		cga_pos = (cga_pos / CGA_COLS + 1) * CGA_COLS;
	} else if (c == '\b') {
		if (cga_pos % CGA_COLS)
			cga[--cga_pos] = CGA_GREY | ' ';
	} else {
		cga[cga_pos++] = (uint16_t)(CGA_GREY | (uint8_t)c);
	}
	if (cga_pos >= CGA_CELLS)
		cga_pos = CGA_COLS;   /* no scrolling: back to the second row */
	cga_cursor();
}

static void cga_init(void)
{
	for (unsigned i = 0; i < CGA_CELLS; i++)
		cga[i] = CGA_GREY | ' ';
	cga_pos = 0;
	for (const char *p = "kbd: type here"; *p; p++)
		cga_putc(*p);
	cga_putc('\n');
}
static volatile char ring[256];
static volatile unsigned ring_head, ring_tail;

static void kbc_wait_write(void)
{
	for (int i = 0; i < POLLS && (inb(KBC_STATUS) & STR_IBF); i++)
		;
}

/* The next byte from the controller, or -1 if none comes. */
static int kbc_read(void)
{
	for (int i = 0; i < POLLS; i++)
		if (inb(KBC_STATUS) & STR_OBF)
			return inb(KBC_DATA);
	return -1;
}

static void kbc_cmd(uint8_t c)
{
	kbc_wait_write();
	outb(KBC_STATUS, c);
}

static void kbc_data(uint8_t d)
{
	kbc_wait_write();
	outb(KBC_DATA, d);
}

static int expect(const char *what, int want)
{
	int got = kbc_read();
	rt_printf("kbd: %s: 0x%02x %s\n", what, got & 0xff, got == want ? "ok" : "UNEXPECTED");
	if (got < 0) {
		rt_printf("kbd: the controller did not answer\n");
		rt_exit(0x20);
	}
	return got;
}

/* xv6's set 1 decoding (kbd.h), US layout. */
#define SHIFT 1
#define CTL   2
#define CAPS  4
static const char normal[128] = {
	0, 0x1b, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t',
	'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0, 'a', 's',
	'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
	'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char shifted[128] = {
	0, 0x1b, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t',
	'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0, 'A', 'S',
	'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
	'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};
static unsigned mods;
static bool e0;

static void decode(uint8_t sc)
{
	if (sc == 0xE0) {
		e0 = true;
		return;
	}
	bool brk = sc & 0x80;
	uint8_t code = sc & 0x7F;
	if (e0) {   /* the extended keys type nothing here */
		e0 = false;
		return;
	}
	unsigned m = code == 0x2A || code == 0x36 ? SHIFT : code == 0x1D ? CTL : 0;
	if (m) {
		mods = brk ? mods & ~m : mods | m;
		return;
	}
	if (brk)
		return;
	if (code == 0x3A) {
		mods ^= CAPS;
		return;
	}
	char c = (mods & SHIFT) ? shifted[code] : normal[code];
	if (!c)
		return;
	if ((mods & CAPS) && c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	else if ((mods & CAPS) && c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	if ((mods & CTL) && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
		c = (char)((c | 0x20) - 'a' + 1);
	ring[ring_head++ & 0xff] = c;
}

static void on_kbd(struct rt_trap_frame *f)
{
	(void)f;
	irqs++;
	/* As xv6's kbdintr: every byte that is there, keyboard bytes only. */
	while ((inb(KBC_STATUS) & (STR_OBF | STR_AUXOBF)) == STR_OBF) {
		bytes++;
		decode(inb(KBC_DATA));
	}
	outb(PIC1_CMD, EOI);
}

static void on_com1(struct rt_trap_frame *f)
{
	(void)f;
	while (inb(COM1 + 5) & 0x01) {   /* LSR data ready */
		char c = (char)inb(COM1);
		ring[ring_head++ & 0xff] = c == '\r' ? '\n' : c;
	}
	outb(PIC1_CMD, EOI);
}

static void pic_init(void)
{
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, PIC1_VECTOR);
	outb(PIC2_DATA, PIC1_VECTOR + 8);
	outb(PIC1_DATA, 0x04);
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, IMR_IRQ1_4);
	outb(PIC2_DATA, 0xFF);
}

/* Where a debugger types: the keyboard is ready and the guest waits. */
__attribute__((noinline)) void kbd_ready(void)
{
	__asm__ volatile("" ::: "memory");
}

static void controller_init(void)
{
	kbc_cmd(0xAD);
	kbc_cmd(0xA7);
	for (int i = 0; i < 16 && (inb(KBC_STATUS) & STR_OBF); i++)
		inb(KBC_DATA);
	kbc_cmd(0x20);
	int cb = kbc_read();
	rt_printf("kbd: command byte 0x%02x\n", cb & 0xff);
	kbc_cmd(0xAA);
	expect("controller self test", 0x55);
	kbc_cmd(0xAB);
	expect("keyboard interface test", 0x00);
	kbc_cmd(0x60);
	kbc_data(CB_XLATE | CB_SYS | CB_AUXDIS);   /* interrupts still off */
	kbc_cmd(0xAE);
	kbc_data(0xFF);
	expect("keyboard reset ack", 0xFA);
	expect("keyboard self test", 0xAA);
	kbc_data(0xF2);
	expect("identify ack", 0xFA);
	expect("identify 1", 0xAB);
	expect("identify 2 (translated)", 0x41);
	kbc_data(0xED);
	expect("set LEDs ack", 0xFA);
	kbc_data(0x00);
	expect("LEDs ack", 0xFA);
	kbc_data(0xF4);
	expect("enable ack", 0xFA);
	kbc_cmd(0x60);
	kbc_data(CB_XLATE | CB_SYS | CB_AUXDIS | CB_KBDINT);
	kbc_cmd(0x20);
	rt_printf("kbd: command byte now 0x%02x\n", kbc_read() & 0xff);
}

int sample_main(void)
{
	unsigned want = rt_arg_uint("lines", 1), lines = 0;
	char line[LINE_MAX + 1];
	unsigned len = 0;

	controller_init();
	rt_set_trap_handler(KBD_VECTOR, on_kbd, 0);
	rt_set_trap_handler(COM1_VECTOR, on_com1, 0);
	pic_init();
	outb(COM1 + 4, 0x0B);   /* DTR, RTS, OUT2: the line reaches the PIC */
	outb(COM1 + 1, 0x01);   /* received-data interrupt */
	cga_init();
	rt_printf("kbd: waiting for keys on IRQ 1 and COM1 on IRQ 4\n");
	kbd_ready();
	for (;;) {
		__asm__ volatile("sti; hlt; cli" : : : "memory");
		while (ring_tail != ring_head) {
			char c = ring[ring_tail++ & 0xff];
			cga_putc(c >= ' ' || c == '\n' || c == '\b' ? c : '^');
			if (c == '\b') {
				if (len)
					len--;
				continue;
			}
			if (c != '\n') {
				if (c > 0 && c < 0x20 && c != '\t' && len + 2 <= LINE_MAX) {
					line[len++] = '^';
					line[len++] = (char)(c + '@');
				} else if (len < LINE_MAX) {
					line[len++] = c;
				}
				continue;
			}
			line[len] = 0;
			rt_printf("kbd: line: %s\n", line);
			lines++;
			bool quit = len == 4 && line[0] == 'q' && line[1] == 'u' && line[2] == 'i' && line[3] == 't';
			len = 0;
			if (quit || lines >= want) {
				rt_printf("kbd: %u lines, %u bytes in %u interrupts\n", lines, bytes, irqs);
				return 0;
			}
		}
	}
}

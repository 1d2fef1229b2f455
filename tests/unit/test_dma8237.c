/* Unit tests for monitor/dma8237, the two 8237A DMA controllers and the
 * page registers, against the 8237A datasheet: address and count written
 * and read a byte at a time through the flip-flop (base and current both
 * written), clear flip-flop, master clear (all channels masked, address
 * kept), single mask, clear mask and write-all-mask, the status register's
 * request bits and terminal-count bits cleared by reading, write-only
 * registers reading as the floating bus, controller 2's registers on even
 * ports with odd aliases, controller 1's alias at 0x10, the page registers
 * and the channel addresses they form, and a software request stopping as
 * unsupported only on an unmasked channel of an enabled controller. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/dma8237.h"

static struct dma8237 d;
static int stops;
static char said[128];

static void on_unsupported(void *opaque, const char *what)
{
	(void)opaque;
	stops++;
	snprintf(said, sizeof said, "%s", what);
}

static void setup(void)
{
	stops = 0;
	said[0] = 0;
	dma8237_init(&d, on_unsupported, NULL);
}

static void out1(unsigned port, uint8_t v)
{
	dma8237_io1(&d, port, &v, 1, true);
}

static uint8_t in1(unsigned port)
{
	uint8_t v = 0;
	dma8237_io1(&d, port, &v, 1, false);
	return v;
}

static void out2(unsigned port, uint8_t v)
{
	dma8237_io2(&d, port - DMA8237_PORT2, &v, 1, true);
}

static uint8_t in2(unsigned port)
{
	uint8_t v = 0;
	dma8237_io2(&d, port - DMA8237_PORT2, &v, 1, false);
	return v;
}

START_TEST(address_and_count_through_flipflop)
{
	out1(0x0C, 0);                  /* clear flip-flop */
	out1(0x04, 0x34);               /* channel 2 address, low then high */
	out1(0x04, 0x12);
	out1(0x05, 0xFF);               /* channel 2 count */
	out1(0x05, 0x01);
	ck_assert_uint_eq(d.ctrl[0].base_addr[2], 0x1234);
	ck_assert_uint_eq(d.ctrl[0].cur_addr[2], 0x1234);
	ck_assert_uint_eq(d.ctrl[0].base_count[2], 0x01FF);
	ck_assert_uint_eq(d.ctrl[0].cur_count[2], 0x01FF);
	ck_assert_uint_eq(in1(0x04), 0x34);
	ck_assert_uint_eq(in1(0x04), 0x12);
	/* A lone read leaves the flip-flop on the high byte; clearing it
	 * starts again at the low one. */
	ck_assert_uint_eq(in1(0x05), 0xFF);
	out1(0x0C, 0);
	ck_assert_uint_eq(in1(0x05), 0xFF);
	ck_assert_uint_eq(in1(0x05), 0x01);
}
END_TEST

START_TEST(master_clear_masks_all_and_keeps_address)
{
	out1(0x0E, 0);                  /* clear mask register */
	ck_assert_uint_eq(in1(0x0F), 0xF0);
	out1(0x00, 0x78);
	out1(0x08, 0x10);               /* command */
	out1(0x0D, 0);                  /* master clear */
	ck_assert_uint_eq(d.ctrl[0].command, 0);
	ck_assert_uint_eq(in1(0x0F), 0xFF);
	ck_assert(!d.ctrl[0].flipflop);
	ck_assert_uint_eq(d.ctrl[0].base_addr[0], 0x78);
	ck_assert_uint_eq(in1(0x0D), 0);   /* temporary register */
	ck_assert_int_eq(stops, 0);
}
END_TEST

START_TEST(masks)
{
	ck_assert_uint_eq(in1(0x0F), 0xFF);   /* reset: all masked */
	out1(0x0A, 0x01);                     /* unmask channel 1 */
	ck_assert_uint_eq(in1(0x0F), 0xFD);
	out1(0x0A, 0x05);                     /* mask it again */
	ck_assert_uint_eq(in1(0x0F), 0xFF);
	out1(0x0F, 0x0A);
	ck_assert_uint_eq(d.ctrl[0].mask, 0x0A);
}
END_TEST

START_TEST(status_and_write_only_registers)
{
	out1(0x09, 0x06);                     /* request on masked channel 2 */
	ck_assert_int_eq(stops, 0);
	d.ctrl[0].status = 0x05;              /* channels 0 and 2 reached TC */
	ck_assert_uint_eq(in1(0x08), 0x45);
	ck_assert_uint_eq(in1(0x08), 0x40);   /* TC bits cleared by the read */
	out1(0x09, 0x02);                     /* request withdrawn */
	ck_assert_uint_eq(in1(0x08), 0x00);
	ck_assert_uint_eq(in1(0x09), 0xFF);
	ck_assert_uint_eq(in1(0x0A), 0xFF);
	ck_assert_uint_eq(in1(0x0B), 0xFF);
	ck_assert_uint_eq(in1(0x0C), 0xFF);
	ck_assert_uint_eq(in1(0x0E), 0xFF);
	out1(0x0B, 0x56);                     /* mode, channel 2 */
	ck_assert_uint_eq(d.ctrl[0].mode[2], 0x54);
}
END_TEST

START_TEST(controller2_even_ports_and_aliases)
{
	out2(0xD8, 0);                        /* clear flip-flop (reg 12) */
	out2(0xC4, 0xCD);                     /* channel 5 address */
	out2(0xC5, 0xAB);                     /* odd alias of 0xC4 */
	ck_assert_uint_eq(d.ctrl[1].base_addr[1], 0xABCD);
	ck_assert_uint_eq(d.ctrl[0].base_addr[1], 0);
	ck_assert_uint_eq(in2(0xDE), 0xFF);   /* all masked */
	out2(0xDC, 0);                        /* clear mask */
	ck_assert_uint_eq(in2(0xDF), 0xF0);
	/* Controller 1's registers repeat at 0x10-0x1F. */
	out1(0x1C, 0);
	out1(0x10, 0x11);
	out1(0x10, 0x22);
	ck_assert_uint_eq(d.ctrl[0].base_addr[0], 0x2211);
}
END_TEST

START_TEST(page_registers_and_channel_address)
{
	uint8_t v = 0x12;
	dma8237_page_io(&d, 0x87 - DMA8237_PAGE_PORT, &v, 1, true);   /* channel 0 */
	out1(0x0C, 0);
	out1(0x00, 0x00);
	out1(0x00, 0x80);
	ck_assert_uint_eq(dma8237_channel_address(&d, 0), 0x128000);
	v = 0x35;
	dma8237_page_io(&d, 0x8B - DMA8237_PAGE_PORT, &v, 1, true);   /* channel 5 */
	out2(0xD8, 0);
	out2(0xC4, 0x00);
	out2(0xC4, 0x40);
	ck_assert_uint_eq(dma8237_channel_address(&d, 5), 0x348000);
	/* Scratch page bytes read back; a wide access is byte by byte. */
	uint8_t w[2] = { 0xA5, 0x5A };
	dma8237_page_io(&d, 0x84 - DMA8237_PAGE_PORT, w, 2, true);
	uint8_t r[2] = { 0, 0 };
	dma8237_page_io(&d, 0x84 - DMA8237_PAGE_PORT, r, 2, false);
	ck_assert_mem_eq(r, w, 2);
	dma8237_page_io(&d, 0x87 - DMA8237_PAGE_PORT, r, 1, false);
	ck_assert_uint_eq(r[0], 0x12);
	dma8237_reset(&d);
	dma8237_page_io(&d, 0x87 - DMA8237_PAGE_PORT, r, 1, false);
	ck_assert_uint_eq(r[0], 0);
}
END_TEST

START_TEST(software_request_stops_only_when_live)
{
	out1(0x09, 0x04);                     /* channel 0, masked: held */
	ck_assert_int_eq(stops, 0);
	out1(0x08, DMA8237_CMD_DISABLE);      /* controller disabled */
	out1(0x0A, 0x00);                     /* unmask channel 0 */
	ck_assert_int_eq(stops, 0);
	out1(0x08, 0x00);                     /* enabled: the request is served */
	ck_assert_int_eq(stops, 1);
	ck_assert_str_eq(said, "DMA software request on channel 0 (8237 transfers are not modelled)");
	out2(0xD2, 0x07);                     /* controller 2, channel 7, masked */
	ck_assert_int_eq(stops, 1);
	out2(0xD4, 0x03);                     /* unmask it */
	ck_assert_int_eq(stops, 2);
	ck_assert_str_eq(said, "DMA software request on channel 7 (8237 transfers are not modelled)");
}
END_TEST

static Suite *dma8237_suite(void)
{
	Suite *s = suite_create("dma8237");
	TCase *tc = tcase_create("dma8237");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, address_and_count_through_flipflop);
	tcase_add_test(tc, master_clear_masks_all_and_keeps_address);
	tcase_add_test(tc, masks);
	tcase_add_test(tc, status_and_write_only_registers);
	tcase_add_test(tc, controller2_even_ports_and_aliases);
	tcase_add_test(tc, page_registers_and_channel_address);
	tcase_add_test(tc, software_request_stops_only_when_live);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dma8237_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

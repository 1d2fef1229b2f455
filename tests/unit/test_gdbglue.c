/* The gdb stub's bt86 side (gdb/glue.c, gdb/server.c) on the bt engine: a
 * raw RSP client over TCP plays gdb while the test itself plays the prompt
 * on the same session and runner, so the two-front-end rules are checked:
 * a stop from the prompt reaches a waiting gdb, gdb joins a run the prompt
 * started, gdb's Ctrl-C stops a run the prompt waits for. Also registers,
 * memory (RAM, the VGA window, never anything else), breakpoints whose
 * removal waits for the next resume, watchpoints, monitor commands as O
 * packets, detach and reconnect, kill, and the listen specs. Real gdb
 * sessions are in tests/gdb-*.sh. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/runner.h"
#include "gdb/server.h"
#include "monitor/machine.h"
#include "session/cmd.h"
#include "session/session.h"

#define CODE 0x100000u
#define VAR  0x200000u
#define TIMEOUT_MS 5000

/* A guest that spins incrementing [VAR]:
 *   0: inc dword [VAR]   ff 05 00 00 20 00
 *   6: jmp 0             eb f8                */
static const uint8_t prog[] = { 0xff, 0x05, 0x00, 0x00, 0x20, 0x00, 0xeb, 0xf8 };

static struct machine m;
static struct engine *e;
static struct runner r;
static struct session s;
static struct out o_null;
static struct gdb_server *srv;
static char where[160];

static void quiet(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	(void)text;
	(void)len;
}

static void console(void *opaque, uint8_t b)
{
	(void)opaque;
	(void)b;
}

static void setup(void)
{
	char err[256];
	int unavailable;
	struct machine_config cfg = { .ram_size = 64u << 20, .console_out = console };
	ck_assert(machine_init(&m, &cfg, err, sizeof err) == 0);
	struct mb_boot b = { .entry = CODE };
	mb_boot_state(&b, &m.boot_state);
	m.boot_state.gpr[R_ESP] = 0x90000;
	gmem_write(&m.mem, CODE, prog, sizeof prog);
	uint32_t zero = 0;
	gmem_write(&m.mem, VAR, &zero, 4);
	ck_assert(engine_bt_ops.create(&m, &e, &unavailable, err, sizeof err) == 0);
	ck_assert_msg(runner_start(&r, e, &m, err, sizeof err) == 0, "%s", err);
	o_null = (struct out){ quiet, NULL };
	s = (struct session){ .m = &m, .e = e, .r = &r, .out = &o_null, .err = &o_null };
	srv = gdb_server_start(&s, "127.0.0.1:0", where, sizeof where, err, sizeof err);
	ck_assert_msg(srv != NULL, "%s", err);
	ck_assert_msg(strncmp(where, "127.0.0.1:", 10) == 0, "%s", where);
}

static void teardown(void)
{
	gdb_server_stop(srv);
	cmd_session_close(&s);
	runner_destroy(&r);
	e->ops->destroy(e);
	machine_destroy(&m);
}

/* ---- A minimal gdb: connect, no-ack mode, packets. ---- */

static int client_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_port = htons((uint16_t)atoi(strchr(where, ':') + 1));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect: %s", strerror(errno));
	return fd;
}

static void send_raw(int fd, const char *data, size_t len)
{
	ck_assert_int_eq(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void send_pkt(int fd, const char *body)
{
	char buf[8192];
	unsigned sum = 0;
	for (const char *p = body; *p; p++)
		sum += (unsigned char)*p;
	int n = snprintf(buf, sizeof buf, "$%s#%02x", body, sum & 0xff);
	send_raw(fd, buf, (size_t)n);
}

static int read_byte(int fd, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	unsigned char c;
	if (recv(fd, &c, 1, 0) != 1)
		return -2;
	return c;
}

/* The next packet's body that is not console output (O packets are added
 * to out when given, else skipped); acks are skipped. NULL-free: on timeout
 * the body is "TIMEOUT". */
static char *recv_pkt(int fd, char *body, size_t len, char *out, size_t outlen)
{
	for (;;) {
		int c;
		do
			c = read_byte(fd, TIMEOUT_MS);
		while (c == '+' || (c >= 0 && c != '$'));
		if (c < 0) {
			snprintf(body, len, "TIMEOUT");
			return body;
		}
		size_t n = 0;
		while ((c = read_byte(fd, TIMEOUT_MS)) >= 0 && c != '#')
			if (n + 1 < len)
				body[n++] = (char)c;
		body[n] = 0;
		read_byte(fd, TIMEOUT_MS);
		read_byte(fd, TIMEOUT_MS);
		if (body[0] == 'O' && body[1] && strcmp(body, "OK") != 0) {
			if (out) {
				size_t k = strlen(out);
				for (size_t i = 1; body[i] && body[i + 1] && k + 1 < outlen; i += 2) {
					unsigned v;
					sscanf(body + i, "%2x", &v);
					out[k++] = (char)v;
				}
				out[k] = 0;
			}
			continue;
		}
		return body;
	}
}

static int gdb_attach(void)
{
	char b[256];
	int fd = client_connect();
	send_pkt(fd, "QStartNoAckMode");
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, NULL, 0), "OK");
	send_raw(fd, "+", 1);
	return fd;
}

/* Send body, return the reply. */
static const char *ask(int fd, const char *body)
{
	static char b[16384];
	send_pkt(fd, body);
	return recv_pkt(fd, b, sizeof b, NULL, 0);
}

static uint32_t reg_eip(int fd)
{
	const char *v = ask(fd, "p8");
	ck_assert_uint_eq(strlen(v), 8);
	unsigned b0, b1, b2, b3;
	sscanf(v, "%2x%2x%2x%2x", &b0, &b1, &b2, &b3);
	return b0 | b1 << 8 | b2 << 16 | b3 << 24;
}

/* ---- Tests. ---- */

START_TEST(attach_sees_guest_state)
{
	int fd = gdb_attach();
	ck_assert_str_eq(ask(fd, "?"), "T05thread:1;");
	ck_assert_uint_eq(reg_eip(fd), CODE);
	ck_assert_str_eq(ask(fd, "p4"), "00000900");              /* esp 0x90000 */
	ck_assert_str_eq(ask(fd, "pa"), "08000000");              /* cs */
	ck_assert_str_eq(ask(fd, "m100000,8"), "ff0500002000ebf8");
	ck_assert_str_eq(ask(fd, "m20000000,4"), "E0e");          /* above RAM: EFAULT */
	ck_assert_str_eq(ask(fd, "m7fff00000000,4"), "E0e");      /* never host memory */
	ck_assert_str_eq(ask(fd, "m3fffffe,4"), "E0e");           /* straddles the end of RAM */
	ck_assert_uint_eq(strlen(ask(fd, "mb8000,4")), 8);        /* the VGA window */
	ck_assert_str_eq(ask(fd, "qAttached"), "1");
	ck_assert_str_eq(ask(fd, "qFooBar"), "");
	ck_assert_str_eq(ask(fd, "m100000,zz"), "E01");
	char b[64];
	send_raw(fd, "$m100000,4#00", 13);                        /* bad checksum: NAK, not run */
	send_pkt(fd, "p8");
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, NULL, 0), "00001000");
	close(fd);
}
END_TEST

START_TEST(registers_and_memory_write)
{
	int fd = gdb_attach();
	ck_assert_str_eq(ask(fd, "P8=06001000"), "OK");
	ck_assert_uint_eq(reg_eip(fd), CODE + 6);
	struct vcpu_state st;
	runner_snapshot(&r, &st, NULL);
	ck_assert_uint_eq(st.eip, CODE + 6);                      /* the prompt sees it too */
	ck_assert_str_eq(ask(fd, "P0=78563412"), "OK");
	ck_assert_str_eq(ask(fd, "p0"), "78563412");
	ck_assert_str_eq(ask(fd, "Pc=10000000"), "OK");           /* ds: same selector */
	ck_assert_str_eq(ask(fd, "Pa=00000000"), "E01");          /* a null cs */
	ck_assert_str_eq(ask(fd, "M200000,4:2a000000"), "OK");
	ck_assert_str_eq(ask(fd, "m200000,4"), "2a000000");
	ck_assert_str_eq(ask(fd, "M20000000,4:00000000"), "E0e");
	/* A G packet with every register as read changes nothing. */
	char g[4096], G[4200];
	snprintf(g, sizeof g, "%s", ask(fd, "g"));
	ck_assert_ptr_null(strchr(g, 'E'));
	/* bt shows fioff/fooff as unavailable (xx); gdb writes back zeros. */
	for (char *p = g; *p; p++)
		if (*p == 'x')
			*p = '0';
	snprintf(G, sizeof G, "G%s", g);
	ck_assert_str_eq(ask(fd, G), "OK");
	ck_assert_uint_eq(reg_eip(fd), CODE + 6);
	close(fd);
}
END_TEST

START_TEST(prompt_stop_reaches_waiting_gdb)
{
	int fd = gdb_attach();
	send_pkt(fd, "vCont;c");
	for (int i = 0; i < 100 && runner_state(&r) != RUNNER_RUNNING; i++)
		usleep(10000);
	ck_assert_int_eq(runner_state(&r), RUNNER_RUNNING);
	runner_stop(&r);                                          /* the prompt's `stop` */
	char b[256];
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, NULL, 0), "T02thread:1;");
	ck_assert_int_eq(runner_state(&r), RUNNER_STOPPED);
	close(fd);
}
END_TEST

START_TEST(gdb_joins_prompt_run_and_ctrl_c_stops_it)
{
	int fd = gdb_attach();
	ck_assert(runner_resume(&r, &(struct runner_req){ .kind = RQ_CONT }) == 0);   /* the prompt's `continue` */
	ck_assert_uint_eq(strlen(ask(fd, "g")) > 0, 1);          /* registers of the last stop */
	send_pkt(fd, "c");                                        /* joins the run */
	usleep(50000);
	ck_assert_int_eq(runner_state(&r), RUNNER_RUNNING);
	send_raw(fd, "\x03", 1);
	char b[256];
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, NULL, 0), "T02thread:1;");
	struct stop_info st = runner_wait(&r);                    /* and the prompt sees it */
	ck_assert_int_eq(st.reason, STOP_REQUEST);
	uint32_t v;
	gmem_read(&m.mem, VAR, &v, 4);
	ck_assert_uint_gt(v, 0);
	close(fd);
}
END_TEST

START_TEST(breakpoint_removal_waits_for_resume)
{
	int fd = gdb_attach();
	char b[256];
	ck_assert_str_eq(ask(fd, "Z0,100006,1"), "OK");
	ck_assert(dbg_is_break(&m.debug, CODE + 6));
	send_pkt(fd, "c");
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, NULL, 0), "T05swbreak:;thread:1;");
	ck_assert_uint_eq(reg_eip(fd), CODE + 6);
	/* gdb removes its breakpoints at a stop: the table keeps it until the
	 * next resume, so the translation cache is not touched by a stop. */
	ck_assert_str_eq(ask(fd, "z0,100006,1"), "OK");
	ck_assert(dbg_is_break(&m.debug, CODE + 6));
	/* Stepping off it: a step ignores breakpoints, and gdb inserts it again. */
	ck_assert_str_eq(ask(fd, "vCont;s:1"), "T05thread:1;");
	ck_assert_uint_eq(reg_eip(fd), CODE);
	ck_assert_str_eq(ask(fd, "Z0,100006,1"), "OK");
	ck_assert_str_eq(ask(fd, "c"), "T05swbreak:;thread:1;");
	ck_assert_str_eq(ask(fd, "Z1,100000,1"), "OK");
	ck_assert_str_eq(ask(fd, "c"), "T05hwbreak:;thread:1;");
	ck_assert_uint_eq(reg_eip(fd), CODE);
	/* Removed for good: gone at the next continue, which then spins. */
	ck_assert_str_eq(ask(fd, "z0,100006,1"), "OK");
	ck_assert_str_eq(ask(fd, "z1,100000,1"), "OK");
	send_pkt(fd, "c");
	usleep(50000);
	ck_assert(!dbg_is_break(&m.debug, CODE + 6));
	ck_assert(!dbg_is_break(&m.debug, CODE));
	send_raw(fd, "\x03", 1);
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, NULL, 0), "T02thread:1;");
	close(fd);
}
END_TEST

START_TEST(watchpoints_report_their_kind)
{
	int fd = gdb_attach();
	ck_assert_str_eq(ask(fd, "Z2,200000,4"), "OK");
	ck_assert_str_eq(ask(fd, "c"), "T05watch:200000;thread:1;");
	ck_assert_uint_eq(reg_eip(fd), CODE + 6);                 /* after the writing instruction */
	ck_assert_str_eq(ask(fd, "z2,200000,4"), "OK");
	ck_assert_str_eq(ask(fd, "Z4,200000,4"), "OK");
	ck_assert_str_eq(ask(fd, "c"), "T05awatch:200000;thread:1;");
	ck_assert_str_eq(ask(fd, "z4,200000,4"), "OK");
	ck_assert_str_eq(ask(fd, "Z3,200002,2"), "OK");           /* a read inside the word */
	ck_assert_str_eq(ask(fd, "c"), "T05rwatch:200002;thread:1;");
	ck_assert_str_eq(ask(fd, "z3,200002,2"), "OK");
	ck_assert_str_eq(ask(fd, "Z2,200000,10"), "OK");          /* 16 bytes: two monitor watchpoints */
	ck_assert_str_eq(ask(fd, "c"), "T05watch:200000;thread:1;");
	ck_assert_str_eq(ask(fd, "Z2,200000,0"), "E01");
	ck_assert_str_eq(ask(fd, "Z0,20000000,1"), "OK");         /* linear: hit once mapped */
	ck_assert_str_eq(ask(fd, "z0,20000000,1"), "OK");
	close(fd);
	/* The session ended: the watchpoints went with it. */
	for (int i = 0; i < 100 && gdb_server_connected(srv); i++)
		usleep(10000);
	struct dbg_watch w[8];
	ck_assert_int_eq(dbg_watch_list(&m.debug, w, 8), 0);
}
END_TEST

START_TEST(monitor_commands_as_console_output)
{
	int fd = gdb_attach();
	char b[256], out[8192] = "";
	/* "stepf 2" hex-encoded. */
	send_pkt(fd, "qRcmd,73746570662032");
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, out, sizeof out), "OK");
	ck_assert_msg(strstr(out, "0x00100000"), "%s", out);
	out[0] = 0;
	send_pkt(fd, "qRcmd,626f677573");                         /* "bogus" */
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, out, sizeof out), "E01");
	ck_assert_msg(strstr(out, "unknown command 'bogus'"), "%s", out);
	out[0] = 0;
	send_pkt(fd, "qRcmd,71756974");                           /* "quit": not from gdb */
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, out, sizeof out), "OK");
	ck_assert_msg(strstr(out, "not from gdb"), "%s", out);
	ck_assert(!s.quit);
	/* "continue" waits for the guest; gdb's Ctrl-C stops it. */
	out[0] = 0;
	send_pkt(fd, "qRcmd,636f6e74696e7565");
	usleep(100000);
	send_raw(fd, "\x03", 1);
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, out, sizeof out), "OK");
	ck_assert_msg(strstr(out, "stopped at"), "%s", out);
	ck_assert_int_eq(runner_state(&r), RUNNER_STOPPED);
	close(fd);
}
END_TEST

START_TEST(detach_reconnect_kill)
{
	int fd = gdb_attach();
	ck_assert_str_eq(ask(fd, "Z0,100006,1"), "OK");
	send_pkt(fd, "c");
	char b[256];
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, NULL, 0), "T05swbreak:;thread:1;");
	ck_assert_str_eq(ask(fd, "D"), "OK");
	close(fd);
	for (int i = 0; i < 100 && gdb_server_connected(srv); i++)
		usleep(10000);
	ck_assert(!gdb_server_finished(srv, NULL));
	ck_assert_int_eq(runner_state(&r), RUNNER_STOPPED);      /* left stopped */
	ck_assert(!dbg_is_break(&m.debug, CODE + 6));            /* gdb's breakpoint went */
	/* A client that just vanishes mid-run leaves it stopped as well. */
	fd = gdb_attach();
	ck_assert_uint_eq(reg_eip(fd), CODE + 6);
	send_pkt(fd, "c");
	usleep(50000);
	close(fd);
	for (int i = 0; i < 100 && runner_state(&r) == RUNNER_RUNNING; i++)
		usleep(10000);
	ck_assert_int_eq(runner_state(&r), RUNNER_STOPPED);
	fd = gdb_attach();
	ck_assert_str_eq(ask(fd, "?"), "T05thread:1;");
	struct pollfd pf = { gdb_server_finished_fd(srv), POLLIN, 0 };
	ck_assert_int_eq(poll(&pf, 1, 0), 0);
	send_pkt(fd, "k");
	ck_assert_int_eq(poll(&pf, 1, TIMEOUT_MS), 1);
	int status = -1;
	ck_assert_int_eq(gdb_server_wait(srv, &status), 0);
	ck_assert_int_eq(status, 0);
	close(fd);
}
END_TEST

START_TEST(second_client_is_turned_away)
{
	int fd = gdb_attach();
	int fd2 = client_connect();
	ck_assert_int_eq(read_byte(fd2, TIMEOUT_MS), -2);        /* closed at once */
	close(fd2);
	ck_assert_str_eq(ask(fd, "?"), "T05thread:1;");          /* the first one is served on */
	char b[256], out[512] = "";
	send_pkt(fd, "qRcmd,67646220393939");                     /* "gdb 999" */
	ck_assert_str_eq(recv_pkt(fd, b, sizeof b, out, sizeof out), "E01");
	ck_assert_msg(strstr(out, "already connected"), "%s", out);
	close(fd);
}
END_TEST

START_TEST(listen_specs)
{
	char w[160], err[256];
	struct gdb_server *g = gdb_server_start(&s, "tcp:127.0.0.1:0", w, sizeof w, err, sizeof err);
	ck_assert_msg(g != NULL, "%s", err);
	ck_assert_msg(strncmp(w, "127.0.0.1:", 10) == 0, "%s", w);
	gdb_server_stop(g);
	char path[64];
	snprintf(path, sizeof path, "/tmp/bt86-glue-%d.sock", (int)getpid());
	char spec[80];
	snprintf(spec, sizeof spec, "unix:%s", path);
	g = gdb_server_start(&s, spec, w, sizeof w, err, sizeof err);
	ck_assert_msg(g != NULL, "%s", err);
	ck_assert_str_eq(w, path);
	ck_assert_int_eq(access(path, F_OK), 0);
	gdb_server_stop(g);
	ck_assert_int_ne(access(path, F_OK), 0);
	/* The port the fixture listens on is taken. */
	g = gdb_server_start(&s, where, w, sizeof w, err, sizeof err);
	ck_assert_ptr_null(g);
	ck_assert_msg(strstr(err, "gdb: ") == err && strstr(err, "in use"), "%s", err);
	g = gdb_server_start(&s, "nonsense:port", w, sizeof w, err, sizeof err);
	ck_assert_ptr_null(g);
	ck_assert_msg(strstr(err, "gdb: "), "%s", err);
}
END_TEST

static Suite *gdbglue_suite(void)
{
	Suite *su = suite_create("gdbglue");
	TCase *tc = tcase_create("glue");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, attach_sees_guest_state);
	tcase_add_test(tc, registers_and_memory_write);
	tcase_add_test(tc, prompt_stop_reaches_waiting_gdb);
	tcase_add_test(tc, gdb_joins_prompt_run_and_ctrl_c_stops_it);
	tcase_add_test(tc, breakpoint_removal_waits_for_resume);
	tcase_add_test(tc, watchpoints_report_their_kind);
	tcase_add_test(tc, monitor_commands_as_console_output);
	tcase_add_test(tc, detach_reconnect_kill);
	tcase_add_test(tc, second_client_is_turned_away);
	tcase_add_test(tc, listen_specs);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(gdbglue_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

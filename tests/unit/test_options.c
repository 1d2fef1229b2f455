/* Unit tests for ui/options, the bt86 command line: defaults, the -m and
 * --memory forms, --engine (known and unknown), --cmdline, --help, --version,
 * unknown long and short options, a missing argument, no guest, an argument
 * after the guest, options after the guest belonging to the guest, and that
 * every error is -1 with a one-line message naming what was wrong. Also that
 * opt_parse can be called again after an earlier call (as tests and a
 * re-parsing front end do). --check-host is a flag. --disk's forms and
 * errors. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "monitor/machine.h"
#include "ui/options.h"

static struct bt86_options o;
static char err[512];

/* Parse a NULL-terminated list of arguments (argv[0] is added). */
static int parse_v(const char *const *args)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)"bt86";
	for (; *args; args++) {
		ck_assert_int_lt(argc, 31);
		argv[argc++] = (char *)*args;
	}
	argv[argc] = NULL;
	memset(err, 0, sizeof err);
	return opt_parse(argc, argv, &o, err, sizeof err);
}

#define PARSE(...) parse_v((const char *const[]){ __VA_ARGS__, NULL })

/* -1 and a one-line message that contains keyword. */
static void expect_error(int rc, const char *keyword)
{
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(err[0] != 0, "no message");
	ck_assert_msg(strchr(err, '\n') == NULL, "message '%s' has a newline", err);
	ck_assert_msg(strstr(err, keyword) != NULL, "message '%s' lacks '%s'", err, keyword);
}

START_TEST(defaults)
{
	ck_assert_int_eq(PARSE("guest.elf"), 0);
	ck_assert_str_eq(o.guest, "guest.elf");
	ck_assert_ptr_nonnull(o.engine);
	ck_assert_str_eq(o.engine, engine_default_name());
	ck_assert_ptr_nonnull(engine_find(o.engine));
	ck_assert_str_eq(o.cmdline, "");
	ck_assert_uint_eq(o.ram_size, MACHINE_DEFAULT_RAM);
	ck_assert(!o.help);
	ck_assert(!o.version);
}
END_TEST

START_TEST(memory_forms)
{
	ck_assert_int_eq(PARSE("-m", "128", "g"), 0);
	ck_assert_uint_eq(o.ram_size, 128ull << 20);
	ck_assert_int_eq(PARSE("-m128M", "g"), 0);
	ck_assert_uint_eq(o.ram_size, 128ull << 20);
	ck_assert_int_eq(PARSE("-m", "1G", "g"), 0);
	ck_assert_uint_eq(o.ram_size, 1ull << 30);
	ck_assert_int_eq(PARSE("--memory=65536K", "g"), 0);
	ck_assert_uint_eq(o.ram_size, 64ull << 20);
	ck_assert_int_eq(PARSE("--memory", "32MiB", "g"), 0);
	ck_assert_uint_eq(o.ram_size, 32ull << 20);
	ck_assert_int_eq(PARSE("--mem=16", "g"), 0);   /* unambiguous abbreviation */
	ck_assert_uint_eq(o.ram_size, 16ull << 20);
	ck_assert_int_eq(PARSE("-m", "64", "-m", "96", "g"), 0);   /* the last one wins */
	ck_assert_uint_eq(o.ram_size, 96ull << 20);
	ck_assert_str_eq(o.guest, "g");
}
END_TEST

START_TEST(memory_bad)
{
	expect_error(PARSE("-m", "12Q", "g"), "12Q");
	expect_error(PARSE("-m", "", "g"), "memory");
	expect_error(PARSE("-m", "-1", "g"), "-1");
	expect_error(PARSE("--memory=lots", "g"), "lots");
	expect_error(PARSE("-m", "99999999999999999999G", "g"), "memory");
}
END_TEST

START_TEST(engine_option)
{
	ck_assert_int_eq(PARSE("--engine=kvm", "g"), 0);
	ck_assert_str_eq(o.engine, "kvm");
	ck_assert_int_eq(PARSE("--engine", "kvm", "g"), 0);
	ck_assert_str_eq(o.engine, "kvm");
	expect_error(PARSE("--engine=qemu", "g"), "qemu");
	ck_assert_msg(strstr(err, "engine"), "%s", err);
	expect_error(PARSE("--engine=", "g"), "engine");
	expect_error(PARSE("--engine=KVM", "g"), "KVM");
}
END_TEST

START_TEST(cmdline_option)
{
	ck_assert_int_eq(PARSE("--cmdline=n=3 verbose", "g"), 0);
	ck_assert_str_eq(o.cmdline, "n=3 verbose");
	ck_assert_int_eq(PARSE("--cmdline", "-x --y", "g"), 0);   /* the value may look like options */
	ck_assert_str_eq(o.cmdline, "-x --y");
	ck_assert_int_eq(PARSE("--cmdline=", "g"), 0);
	ck_assert_str_eq(o.cmdline, "");
	ck_assert_str_eq(o.guest, "g");
}
END_TEST

START_TEST(check_host_option)
{
	ck_assert_int_eq(PARSE("g"), 0);
	ck_assert(!o.check_host);
	ck_assert_int_eq(PARSE("--check-host", "g"), 0);
	ck_assert(o.check_host);
	ck_assert_str_eq(o.guest, "g");
	expect_error(PARSE("--check-host=1", "g"), "check-host");
}
END_TEST

START_TEST(help_and_version)
{
	ck_assert_int_eq(PARSE("--help"), 0);
	ck_assert(o.help);
	ck_assert_int_eq(PARSE("-h"), 0);
	ck_assert(o.help);
	ck_assert_int_eq(PARSE("--version"), 0);
	ck_assert(o.version);
	ck_assert(!o.help);
	ck_assert_int_eq(PARSE("-V"), 0);
	ck_assert(o.version);
	/* help needs no guest and wins over later errors */
	ck_assert_int_eq(PARSE("-m", "64", "--help", "--bogus"), 0);
	ck_assert(o.help);
}
END_TEST

START_TEST(usage_text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	opt_usage(f, "bt86");
	fclose(f);
	ck_assert_msg(strstr(buf, "Usage: bt86"), "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "--engine"));
	ck_assert_ptr_nonnull(strstr(buf, "--cmdline"));
	ck_assert_ptr_nonnull(strstr(buf, "--append=STR"));
	ck_assert_ptr_nonnull(strstr(buf, "--initrd=FILE"));
	ck_assert_ptr_nonnull(strstr(buf, "--check-host"));
	ck_assert_ptr_nonnull(strstr(buf, "BT86_CHECK_HOST"));
	ck_assert_ptr_nonnull(strstr(buf, "-m"));
	for (const struct engine_ops *const *e = engine_list(); *e; e++)
		ck_assert_ptr_nonnull(strstr(buf, (*e)->name));
	free(buf);
}
END_TEST

START_TEST(unknown_options)
{
	expect_error(PARSE("--bogus", "g"), "--bogus");
	expect_error(PARSE("--bogus=3", "g"), "--bogus");
	expect_error(PARSE("-x", "g"), "-x");
	expect_error(PARSE("-?", "g"), "-?");
	/* -h returns at once: help, the x is never looked at (kept last here:
	 * see parse_twice for why a parse after a cluster is its own test) */
	ck_assert_int_eq(PARSE("-hx"), 0);
	ck_assert(o.help);
}
END_TEST

START_TEST(argument_to_flag_option)
{
	/* --version takes no argument: the message must name the option the
	 * user typed, not report some other, valid option as unknown. */
	expect_error(PARSE("--version=1", "g"), "version");
	expect_error(PARSE("--help=yes", "g"), "help=yes");
}
END_TEST

START_TEST(missing_argument)
{
	expect_error(PARSE("-m"), "-m");
	ck_assert_msg(strstr(err, "argument"), "%s", err);
	expect_error(PARSE("--memory"), "--memory");
	expect_error(PARSE("--engine"), "--engine");
	expect_error(PARSE("--cmdline"), "--cmdline");
	expect_error(PARSE("g", "--engine"), "unexpected");   /* after the guest: a guest argument */
}
END_TEST

START_TEST(guest_count)
{
	expect_error(PARSE("-m", "64"), "no guest");
	char *argv[] = { (char *)"bt86", NULL };
	expect_error(opt_parse(1, argv, &o, err, sizeof err), "no guest");
	expect_error(PARSE("a.elf", "b.elf"), "b.elf");
	ck_assert_msg(strstr(err, "--cmdline"), "%s", err);   /* says what to do instead */
	/* options after the guest are not bt86's: they are an unexpected argument */
	expect_error(PARSE("a.elf", "-m", "64"), "-m");
	/* "--" ends the options; a guest named like an option is fine */
	ck_assert_int_eq(PARSE("--", "-weird.elf"), 0);
	ck_assert_str_eq(o.guest, "-weird.elf");
}
END_TEST

START_TEST(small_error_buffer)
{
	char small[6];
	char *argv[] = { (char *)"bt86", (char *)"--engine=doesnotexist", (char *)"g", NULL };
	memset(small, 'Z', sizeof small);
	ck_assert_int_eq(opt_parse(3, argv, &o, small, sizeof small), -1);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
}
END_TEST

START_TEST(parse_twice)
{
	/* A first parse that stops in the middle of "-hV" must not leak into the
	 * next one: getopt keeps its position inside a cluster between calls. */
	ck_assert_int_eq(PARSE("-hV"), 0);
	ck_assert(o.help);
	ck_assert_int_eq(PARSE("-m", "32", "g"), 0);
	ck_assert(!o.help);
	ck_assert(!o.version);
	ck_assert_uint_eq(o.ram_size, 32ull << 20);
	ck_assert_str_eq(o.guest, "g");
	/* and an error does not leave state behind either */
	expect_error(PARSE("--bogus", "g"), "--bogus");
	ck_assert_int_eq(PARSE("g2"), 0);
	ck_assert_str_eq(o.guest, "g2");
}
END_TEST

/* --disk [N=]FILE[,readonly]: index 0 by default, 0-3 explicit, repeatable;
 * a bad index, a drive given twice or no file is one line. */
START_TEST(disk_option)
{
	ck_assert_int_eq(PARSE("g"), 0);
	for (int i = 0; i < IDE_MAX_DRIVES; i++)
		ck_assert_ptr_null(o.disks[i].path);
	ck_assert_int_eq(PARSE("--disk", "a.img", "--disk=1=b.img,readonly", "--disk", "3=c,d=e.img", "g"), 0);
	ck_assert_str_eq(o.disks[0].path, "a.img");
	ck_assert(!o.disks[0].readonly);
	ck_assert_str_eq(o.disks[1].path, "b.img");
	ck_assert(o.disks[1].readonly);
	ck_assert_ptr_null(o.disks[2].path);
	ck_assert_str_eq(o.disks[3].path, "c,d=e.img");   /* commas and '=' belong to the name */
	ck_assert_str_eq(o.guest, "g");
	ck_assert_int_eq(PARSE("--disk", "2=x.img,readonly,readonly", "g"), 0);
	ck_assert_str_eq(o.disks[2].path, "x.img,readonly");
	ck_assert_int_eq(PARSE("--disk", "0=x.img", "g"), 0);
	ck_assert_str_eq(o.disks[0].path, "x.img");
	expect_error(PARSE("--disk", "4=x.img", "g"), "bad drive index");
	expect_error(PARSE("--disk", "12=x.img", "g"), "bad drive index");
	expect_error(PARSE("--disk", "a.img", "--disk", "0=b.img", "g"), "already given");
	expect_error(PARSE("--disk", "1=a.img", "--disk", "1=b.img", "g"), "drive 1");
	expect_error(PARSE("--disk", "1=", "g"), "no image file");
	expect_error(PARSE("--disk", ",readonly", "g"), "no image file");
	expect_error(PARSE("--disk"), "needs an argument");
}
END_TEST

/* --module FILE[,ARGS], repeatable, up to MB_MAX_MODULES. */
START_TEST(module_option)
{
	ck_assert_int_eq(PARSE("--module", "a.bin", "--module=b.bin,x=1,y", "k.elf"), 0);
	ck_assert_uint_eq(o.nmodules, 2);
	ck_assert_str_eq(o.modules[0].path, "a.bin");
	ck_assert_ptr_null(o.modules[0].args);
	ck_assert_str_eq(o.modules[1].path, "b.bin");
	ck_assert_str_eq(o.modules[1].args, "x=1,y");
	ck_assert_str_eq(o.guest, "k.elf");
	expect_error(PARSE("--module", ",x", "k.elf"), "FILE[,ARGS]");
	expect_error(PARSE("--module=m", "--module=m", "--module=m", "--module=m", "--module=m", "--module=m",
			   "--module=m", "--module=m", "--module=m", "k.elf"), "at most 8");
	ck_assert_int_eq(PARSE("k.elf"), 0);
	ck_assert_uint_eq(o.nmodules, 0);
}
END_TEST

/* --append is --cmdline by QEMU's name; --initrd FILE for a bzImage. */
START_TEST(linux_options)
{
	ck_assert_int_eq(PARSE("--append", "console=ttyS0 quiet", "--initrd=rd.img", "bzImage"), 0);
	ck_assert_str_eq(o.cmdline, "console=ttyS0 quiet");
	ck_assert_str_eq(o.initrd, "rd.img");
	ck_assert_str_eq(o.guest, "bzImage");
	ck_assert_int_eq(PARSE("--cmdline", "a", "--append", "b", "k"), 0);
	ck_assert_str_eq(o.cmdline, "b");   /* one option: the last one given */
	ck_assert_int_eq(PARSE("k"), 0);
	ck_assert_ptr_null(o.initrd);
	expect_error(PARSE("--initrd=", "k"), "--initrd: no file given");
	expect_error(PARSE("--initrd"), "needs an argument");
}
END_TEST

static Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("options");
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, memory_forms);
	tcase_add_test(tc, memory_bad);
	tcase_add_test(tc, engine_option);
	tcase_add_test(tc, cmdline_option);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, usage_text);
	tcase_add_test(tc, unknown_options);
	tcase_add_test(tc, argument_to_flag_option);
	tcase_add_test(tc, missing_argument);
	tcase_add_test(tc, guest_count);
	tcase_add_test(tc, small_error_buffer);
	tcase_add_test(tc, parse_twice);
	tcase_add_test(tc, check_host_option);
	tcase_add_test(tc, disk_option);
	tcase_add_test(tc, module_option);
	tcase_add_test(tc, linux_options);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(options_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

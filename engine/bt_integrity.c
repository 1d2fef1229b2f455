/* Host integrity checking (--check-host, or BT86_CHECK_HOST in the
 * environment): guest code runs natively in this process, so anything the
 * translator lets through unchanged runs with the host's privileges. This
 * records the host state no guest may change and checks it at every stop of
 * the vCPU loop and when the engine is destroyed:
 *
 *   - the vCPU thread's FS base (glibc's TLS) and GS base (the window base),
 *     PKRU where the host has PKU, its signal mask, the handlers of the
 *     signals the engine relies on;
 *   - canary pages just outside the window's reservation (in the outermost
 *     page of a guard where the neighbouring page is taken), filled with a
 *     pattern: where a runaway REP string would land past a guard;
 *   - the TC bytes that are not CCFs: the shared miss stub, the all-miss
 *     lookup table, the live table's empty entries, the never-used tail of
 *     the TC, and the context's pointers to the glue and the window.
 *
 * A violation is one line "bt86: host integrity: <what> changed" and exit
 * status 4 at once (the host may be in no state to go on); a clean run says
 * "bt86: host integrity: ok" at destroy, so tests can assert it. */
#include "engine/bt.h"

#include <asm/prctl.h>
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BTI_PAGE    4096u
#define BTI_PATTERN 0xa5

static const int bti_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGUSR1 };
_Static_assert(sizeof bti_signals / sizeof bti_signals[0] == BT_INTEGRITY_NSIG, "bti_signals");

static unsigned long bti_get_base(int which)
{
	unsigned long v = 0;
	syscall(SYS_arch_prctl, which, &v);
	return v;
}

/* The kernel's thread id: pthread_self() reads the FS base, which may be what changed. */
static long bti_tid(void)
{
	return syscall(SYS_gettid);
}

static bool bti_host_has_pkru(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return (c & (1u << 4)) != 0;   /* OSPKE: the OS enabled PKU, RDPKRU works */
}

static uint32_t bti_rdpkru(void)
{
	uint32_t eax, edx;
	__asm__ volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

/* A canary page at want, if nothing is mapped there; NULL otherwise. */
static uint8_t *bti_map_outside(uint8_t *want)
{
	void *p = mmap(want, BTI_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (p != want) {   /* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
		munmap(p, BTI_PAGE);
		return NULL;
	}
	return p;
}

/* The canary below (i = 0) or above (1) the window's reservation: just
 * outside it, else its guard's outermost page made accessible. */
static int bti_place_canary(struct bt_engine *be, int i)
{
	struct bt_integrity *bi = &be->integrity;
	uint8_t *res = be->win.reserve;
	uint64_t total = WIN_GUARD + WIN_SIZE + WIN_GUARD;
	uint8_t *outside = i == 0 ? res - BTI_PAGE : res + total;
	uint8_t *p = bti_map_outside(outside);
	bi->canary_in_guard[i] = p == NULL;
	if (!p) {
		p = i == 0 ? res : res + total - BTI_PAGE;
		if (mprotect(p, BTI_PAGE, PROT_READ | PROT_WRITE) < 0)
			return -1;
	}
	memset(p, BTI_PATTERN, BTI_PAGE);
	bi->canary[i] = p;
	return 0;
}

static void bti_record_thread(struct bt_engine *be)
{
	struct bt_integrity *bi = &be->integrity;
	bi->tid = bti_tid();
	bi->fs = bti_get_base(ARCH_GET_FS);
	bi->has_pkru = bti_host_has_pkru();
	if (bi->has_pkru)
		bi->pkru = bti_rdpkru();
	pthread_sigmask(SIG_BLOCK, NULL, &bi->mask);
	bi->have_thread = true;
}

int bt_integrity_start(struct bt_engine *be, char *err, size_t errlen)
{
	struct bt_integrity *bi = &be->integrity;
	if (bi->on)
		return 0;
	for (int i = 0; i < 2; i++)
		if (bti_place_canary(be, i) < 0) {
			snprintf(err, errlen, "check-host: cannot map a canary page: %s", strerror(errno));
			return -1;
		}
	for (int i = 0; i < BT_INTEGRITY_NSIG; i++) {
		struct sigaction sa;
		sigaction(bti_signals[i], NULL, &sa);
		bi->handler[i] = (void *)sa.sa_sigaction;
	}
	bi->on = true;
	return 0;
}

void bt_integrity_enter(struct bt_engine *be)
{
	struct bt_integrity *bi = &be->integrity;
	if (bi->on && (!bi->have_thread || bi->tid != bti_tid()))
		bti_record_thread(be);
}

static bool bti_page_is(const uint8_t *p, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* The TC bytes that are not CCFs, and the context's host pointers. */
static const char *bti_check_tc(struct bt_engine *be)
{
	struct tc *tc = &be->tc;
	struct bt_ctx *ctx = be->ctx;
	uint8_t want[64] = { 0 };
	struct emit e = { .p = want, .end = want + sizeof want };
	emit_jmp_ctx(&e, BTC_MISS);
	if (tc->miss_stub != tc->code || memcmp(tc->code, want, sizeof want) != 0)
		return "TC miss stub";
	uint64_t miss = (uint64_t)(uintptr_t)tc->miss_stub;
	uint64_t lo = (uint64_t)(uintptr_t)tc->code, hi = lo + tc->size;
	for (int i = 0; i < BT_LOOKUP_ENTRIES; i++) {
		if (tc->lookup_empty[i].neg_tag != 1 || tc->lookup_empty[i].host != miss)
			return "TC all-miss lookup table";
		const struct bt_lookup_entry *l = &tc->lookup[i];
		if (l->neg_tag == 1 ? l->host != miss : l->host < lo || l->host >= hi)
			return "TC lookup table";
	}
	/* Never written while nothing was flushed and code never reached it. */
	if (!tc->stats.flushes && tc->used + BTI_PAGE <= tc->size &&
	    !bti_page_is(tc->code + tc->size - BTI_PAGE, 0, BTI_PAGE))
		return "TC tail";
	if (ctx->leave_ptr != (uint64_t)(uintptr_t)bt_glue_leave ||
	    ctx->callout_ptr != (uint64_t)(uintptr_t)bt_glue_callout ||
	    ctx->miss_ptr != (uint64_t)(uintptr_t)bt_glue_miss)
		return "context glue pointer";
	if (ctx->win_base != (uint64_t)(uintptr_t)be->win.base || ctx->win_neg != (uint64_t)0 - ctx->win_base)
		return "context window base";
	if (ctx->lookup != tc->lookup && ctx->lookup != tc->lookup_empty)
		return "context lookup table pointer";
	return NULL;
}

const char *bt_integrity_check(struct bt_engine *be, bool thread)
{
	struct bt_integrity *bi = &be->integrity;
	if (!bi->on)
		return NULL;
	for (int i = 0; i < 2; i++)
		if (!bti_page_is(bi->canary[i], BTI_PATTERN, BTI_PAGE))
			return i == 0 ? "canary below the window" : "canary above the window";
	for (int i = 0; i < BT_INTEGRITY_NSIG; i++) {
		struct sigaction sa;
		sigaction(bti_signals[i], NULL, &sa);
		if ((void *)sa.sa_sigaction != bi->handler[i])
			return "signal handler";
	}
	const char *tc = bti_check_tc(be);
	if (tc)
		return tc;
	if (!thread || !bi->have_thread || bi->tid != bti_tid())
		return NULL;
	if (bti_get_base(ARCH_GET_FS) != bi->fs)
		return "FS base";
	if (be->gs_ready && bti_get_base(ARCH_GET_GS) != (unsigned long)(uintptr_t)be->win.base)
		return "GS base";
	if (bi->has_pkru && bti_rdpkru() != bi->pkru)
		return "PKRU";
	sigset_t now;
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&now, s) != sigismember(&bi->mask, s))
			return "signal mask";
	return NULL;
}

/* One line and status 4, with nothing that trusts the C library's thread
 * state more than it must: FS and GS are put back first. */
static void bti_die(struct bt_engine *be, const char *what)
{
	struct bt_integrity *bi = &be->integrity;
	if (bi->have_thread && bi->tid == bti_tid())
		syscall(SYS_arch_prctl, ARCH_SET_FS, bi->fs);
	static const char pre[] = "bt86: host integrity: ", post[] = " changed\n";
	char line[160];
	size_t n = 0, w = strlen(what);
	if (w > sizeof line - sizeof pre - sizeof post)
		w = sizeof line - sizeof pre - sizeof post;
	memcpy(line, pre, sizeof pre - 1);
	n += sizeof pre - 1;
	memcpy(line + n, what, w);
	n += w;
	memcpy(line + n, post, sizeof post - 1);
	n += sizeof post - 1;
	if (write(STDERR_FILENO, line, n) < 0)
		_exit(STATUS_GUEST_ERROR);
	_exit(STATUS_GUEST_ERROR);
}

void bt_integrity_stop(struct bt_engine *be)
{
	const char *what = bt_integrity_check(be, true);
	if (what)
		bti_die(be, what);
}

void bt_integrity_fini(struct bt_engine *be)
{
	struct bt_integrity *bi = &be->integrity;
	if (!bi->on)
		return;
	const char *what = bt_integrity_check(be, true);
	if (what)
		bti_die(be, what);
	fprintf(stderr, "bt86: host integrity: ok\n");
	for (int i = 0; i < 2; i++)
		if (!bi->canary_in_guard[i])
			munmap(bi->canary[i], BTI_PAGE);
	bi->on = false;
}

/* Host signals for the binary translator.
 *
 * Faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) raised by translated code
 * are turned into a precise guest state: the CCF holding the faulting host
 * RIP gives the guest instruction (its host-offset -> guest-EIP map), the host
 * registers are the guest's (with the map entry's fix-ups undone), and the
 * handler leaves through siglongjmp to the dispatcher, which decides what the
 * fault means (code-page write, MMIO, guest exception). Faults anywhere else
 * are bt86's own bugs and go to the previous handler (or kill the process).
 *
 * The stop kick (SIGUSR1) lands on the vCPU thread: it installs the all-miss
 * lookup table and unlinks the exits of the CCF it interrupted and of the one
 * being entered, so translated code leaves at its next exit.
 *
 * Signal handlers need to find the engine of their thread: a thread-local
 * pointer, set by bt_signal_bind() on the vCPU thread, is the only state here
 * besides the previous handlers, which the process has once.
 */
#include "engine/bt.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#include "engine/reencode.h"

#define BT_KICK_SIGNAL SIGUSR1

static _Thread_local struct bt_engine *bt_tls_engine;

static const int bt_fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
#define BT_NFAULT (sizeof bt_fault_signals / sizeof bt_fault_signals[0])

/* The handlers that were there before ours (ASan's, for one), per signal. */
static struct sigaction bt_prev[BT_NFAULT];

void bt_signal_bind(struct bt_engine *be)
{
	bt_tls_engine = be;
}

static void bt_fault_chain(int i, int sig, siginfo_t *si, void *uc)
{
	struct sigaction *p = &bt_prev[i];
	if ((p->sa_flags & SA_SIGINFO) && p->sa_sigaction) {
		p->sa_sigaction(sig, si, uc);
	} else if (p->sa_handler != SIG_IGN && p->sa_handler != SIG_DFL && p->sa_handler) {
		p->sa_handler(sig);
	} else {
		signal(sig, SIG_DFL);   /* returning re-raises it with the default action */
	}
}

static uint32_t bt_swap01(uint32_t v)
{
	return (v & 0xffff0000u) | ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}

/* Linux leaves RFLAGS.AC as it was when it runs a handler: a signal taken in
 * a CCF with host AC set (bt_sync_ac) must clear it before any C code (libc
 * copies unaligned). sigreturn restores the interrupted flags. */
static inline void bt_clear_host_ac(void)
{
	__asm__ volatile("pushfq\n\tandq $~0x40000, (%%rsp)\n\tpopfq" ::: "memory", "cc");
}

static void bt_on_fault(int sig, siginfo_t *si, void *ucv)
{
	bt_clear_host_ac();
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	struct bt_engine *be = bt_tls_engine;
	unsigned idx = 0;
	while (idx < BT_NFAULT && bt_fault_signals[idx] != sig)
		idx++;

	struct ccf *c = NULL;
	if (be && be->fault_armed)
		c = tc_find_host(&be->tc, (void *)(uintptr_t)g[REG_RIP]);
	const struct ccf_map *m = c ? tc_map_at(c, (void *)(uintptr_t)g[REG_RIP]) : NULL;
	if (!m) {
		bt_fault_chain((int)idx, sig, si, ucv);
		return;
	}
	struct bt_ctx *ctx = be->ctx;
	uint32_t *r = ctx->arch.gpr;
	r[R_EAX] = (uint32_t)g[REG_RAX];
	r[R_ECX] = (uint32_t)g[REG_RCX];
	r[R_EDX] = (uint32_t)g[REG_RDX];
	r[R_EBX] = (uint32_t)g[REG_RBX];
	r[R_ESP] = (uint32_t)g[REG_R12] - m->esp_adj;
	r[R_EBP] = (uint32_t)g[REG_RBP];
	r[R_ESI] = (uint32_t)g[REG_RSI];
	r[R_EDI] = (uint32_t)g[REG_RDI];
	if (m->fixup >= FIX_SWAP_AX && m->fixup <= FIX_SWAP_BX)
		r[m->fixup - FIX_SWAP_AX] = bt_swap01(r[m->fixup - FIX_SWAP_AX]);
	if (m->fixup & FIX_STR_SI)
		r[R_ESI] = (uint32_t)((uint64_t)g[REG_RSI] - ctx->win_base);
	if (m->fixup & FIX_STR_DI)
		r[R_EDI] = (uint32_t)((uint64_t)g[REG_RDI] - ctx->win_base);
	ctx->hflags = (uint64_t)g[REG_EFL];
	ctx->arch.eip = m->eip;
	if (uc->uc_mcontext.fpregs)
		memcpy(ctx->fx_guest, uc->uc_mcontext.fpregs, sizeof ctx->fx_guest);
	be->fault = (struct bt_fault){
		.signo = sig,
		.code = si->si_code,
		.addr = (uint64_t)(uintptr_t)si->si_addr,
		.ccf = c,
		.map = m,
		.write = (g[REG_ERR] & 2) != 0,   /* page-fault error code bit 1: a write */
	};
	siglongjmp(be->fault_jmp, 1);
}

static void bt_on_kick(int sig, siginfo_t *si, void *ucv)
{
	bt_clear_host_ac();
	ucontext_t *uc = ucv;
	struct bt_engine *be = bt_tls_engine;
	(void)sig;
	(void)si;
	if (!be || (!atomic_load(&be->loop.stop_requested) && !be->ctx->irq_pending))
		return;
	be->ctx->lookup = be->tc.lookup_empty;
	be->ctx->exit_now = 1;   /* shadow returns leave too */
	struct ccf *c = tc_find_host(&be->tc, (void *)(uintptr_t)uc->uc_mcontext.gregs[REG_RIP]);
	if (c)
		tc_unlink_exits(c);
	c = be->entering;
	if (c)
		tc_unlink_exits(c);
}

int bt_signal_init(char *err, size_t errlen)
{
	struct sigaction sa;
	static _Atomic int installed;   /* process-wide, once */

	if (atomic_exchange(&installed, 1))
		return 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = bt_on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < BT_NFAULT; i++)
		if (sigaction(bt_fault_signals[i], &sa, &bt_prev[i]) < 0) {
			snprintf(err, errlen, "bt: cannot install the fault handler");
			return -1;
		}
	sa.sa_sigaction = bt_on_kick;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(BT_KICK_SIGNAL, &sa, NULL) < 0) {
		snprintf(err, errlen, "bt: cannot install the stop signal handler");
		return -1;
	}
	return 0;
}

void bt_signal_kick(struct bt_engine *be)
{
	if (atomic_load(&be->loop.running))
		pthread_kill(be->thread, BT_KICK_SIGNAL);
}

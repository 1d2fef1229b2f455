/* Stop reasons and exit statuses (see stop.h). */
#include "monitor/stop.h"

const char *stop_reason_name(enum stop_reason r)
{
	switch (r) {
	case STOP_NONE: return "none";
	case STOP_EXIT: return "exit";
	case STOP_HALT: return "halt";
	case STOP_ERROR: return "error";
	case STOP_UNAVAILABLE: return "unavailable";
	case STOP_REQUEST: return "stopped";
	case STOP_STEP: return "step";
	case STOP_BREAK: return "breakpoint";
	case STOP_RESET: return "reset";
	}
	return "?";
}

int stop_exit_status(const struct stop_info *s)
{
	switch (s->reason) {
	case STOP_EXIT: return s->status;
	case STOP_HALT: return STATUS_HALTED;
	case STOP_UNAVAILABLE: return STATUS_UNAVAILABLE;
	default: return STATUS_GUEST_ERROR;
	}
}

/* Which kind of KVM backend (see kvm_probe.h). */
#include "engine/kvm_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool kvm_probe_has_word(const char *line, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = strstr(line, word); p; p = strstr(p + 1, word))
		if ((p == line || p[-1] == ' ' || p[-1] == '\t') && (p[n] == ' ' || p[n] == '\n' || p[n] == 0))
			return true;
	return false;
}

bool kvm_probe_flags_software(const char *cpuinfo)
{
	for (const char *line = cpuinfo; line && *line; ) {
		const char *nl = strchr(line, '\n');
		if (strncmp(line, "flags", 5) == 0) {
			char buf[4096];
			size_t len = nl ? (size_t)(nl - line) : strlen(line);
			if (len >= sizeof buf)
				len = sizeof buf - 1;
			memcpy(buf, line, len);
			buf[len] = 0;
			return !kvm_probe_has_word(buf, "vmx") && !kvm_probe_has_word(buf, "svm");
		}
		line = nl ? nl + 1 : NULL;
	}
	return true;   /* no flags line at all: nothing says hardware support is there */
}

bool kvm_probe_software_backend(void)
{
	enum { CPUINFO_MAX = 1 << 16 };   /* the first CPU's block is all we need */
	FILE *f = fopen("/proc/cpuinfo", "r");
	char *buf = malloc(CPUINFO_MAX);
	bool sw = false;
	if (f && buf) {
		size_t n = fread(buf, 1, CPUINFO_MAX - 1, f);
		buf[n] = 0;
		sw = kvm_probe_flags_software(buf);
	}
	if (f)
		fclose(f);
	free(buf);
	return sw;
}

/* Which kind of KVM backend (see kvm_probe.h). */
#include "engine/kvm_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Is word one of the blank-separated words of line[0..len)? */
static bool kvm_probe_has_word(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);
	for (size_t i = 0; i < len; ) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == ':'))
			i++;
		size_t j = i;
		while (j < len && line[j] != ' ' && line[j] != '\t')
			j++;
		if (j - i == n && memcmp(line + i, word, n) == 0)
			return true;
		i = j;
	}
	return false;
}

bool kvm_probe_flags_software(const char *cpuinfo)
{
	for (const char *line = cpuinfo; line && *line; ) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (strncmp(line, "flags", 5) == 0)
			return !kvm_probe_has_word(line, len, "vmx") && !kvm_probe_has_word(line, len, "svm");
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

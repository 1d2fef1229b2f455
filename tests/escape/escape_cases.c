#include "esc.h"
int sample_main(void) { esc_init(); return esc_finish(); }

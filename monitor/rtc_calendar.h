/* Calendar arithmetic for the RTC (monitor/rtc.c): Unix seconds to a
 * broken-down date and back (the proleptic Gregorian calendar, any year),
 * and the MC146818A's daylight saving rule. */
#ifndef BT86_MONITOR_RTC_CALENDAR_H
#define BT86_MONITOR_RTC_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

/* A broken-down time; dow 0-6 from Sunday. */
struct rtc_tm {
	int sec, min, hour, dow, day, mon, year;
};

/* Floor division (rounds toward minus infinity). */
int64_t rtc_cal_floordiv(int64_t a, int64_t b);
void rtc_cal_tm_of(int64_t secs, struct rtc_tm *t);
int64_t rtc_cal_secs_of(int year, int mon, int day, int hour, int min, int sec);
/* Is daylight saving time in force at standard time std (the chip's rule)? */
bool rtc_cal_dst(int64_t std);

#endif

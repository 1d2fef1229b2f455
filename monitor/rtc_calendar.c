/* Civil calendar arithmetic for the RTC (see rtc_calendar.h). */
#include "monitor/rtc_calendar.h"

#define RTC_DAY_SECS 86400

int64_t rtc_cal_floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t rtc_cal_days(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = rtc_cal_floordiv(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void rtc_cal_civil(int64_t z, struct rtc_tm *t)
{
	z += 719468;
	int64_t era = rtc_cal_floordiv(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	t->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	t->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	t->year = (int)(yoe + era * 400 + (t->mon <= 2));
}

void rtc_cal_tm_of(int64_t secs, struct rtc_tm *t)
{
	int64_t days = rtc_cal_floordiv(secs, RTC_DAY_SECS);
	int64_t s = secs - days * RTC_DAY_SECS;
	rtc_cal_civil(days, t);
	t->hour = (int)(s / 3600);
	t->min = (int)(s / 60 % 60);
	t->sec = (int)(s % 60);
	t->dow = (int)((days % 7 + 11) % 7);   /* 1970-01-01 was a Thursday */
}

int64_t rtc_cal_secs_of(int year, int mon, int day, int hour, int min, int sec)
{
	return rtc_cal_days(year, mon, day) * RTC_DAY_SECS + hour * 3600 + min * 60 + sec;
}

/* The day of the month of the last Sunday of mon (April or October: 30/31 days). */
static int rtc_cal_last_sunday(int year, int mon, int mdays)
{
	struct rtc_tm t;
	rtc_cal_tm_of(rtc_cal_secs_of(year, mon, mdays, 0, 0, 0), &t);
	return mdays - t.dow;
}

/* The chip's daylight saving rule, in standard time: from 2:00 on the last
 * Sunday of April (to 3:00) until the last Sunday of October, when 1:59:59
 * daylight time (1:00 standard) goes back to 1:00:00. */
bool rtc_cal_dst(int64_t std)
{
	struct rtc_tm t;
	rtc_cal_tm_of(std, &t);
	int64_t on = rtc_cal_secs_of(t.year, 4, rtc_cal_last_sunday(t.year, 4, 30), 2, 0, 0);
	int64_t off = rtc_cal_secs_of(t.year, 10, rtc_cal_last_sunday(t.year, 10, 31), 1, 0, 0);
	return std >= on && std < off;
}

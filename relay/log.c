/*
 * log.c
 *	  The relay's log lines on stderr.
 *
 * Design notes
 *
 * UTC timestamps with milliseconds, so lines from the relay, the tests and
 * the PostgreSQL log can be put side by side.
 */
#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

LogLevel log_min_level = LOG_INFO;

void
relay_log(LogLevel level, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	struct timeval tv;
	struct tm tm;
	char when[32];
	va_list ap;

	if (level < log_min_level)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03dZ cqstream-relay %s: ", when,
			(int) (tv.tv_usec / 1000), names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

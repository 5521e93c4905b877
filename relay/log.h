/*
 * log.h
 *	  The relay's log lines on stderr.
 *
 * Design notes
 *
 * One line per message, "TIME LEVEL message", lowercase messages without a
 * trailing period; payloads only at debug level (CQSTREAM_RELAY_DEBUG=1),
 * since a result can hold data its readers may see but the log's may not.
 */
#ifndef RELAY_LOG_H
#define RELAY_LOG_H

typedef enum LogLevel
{
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR
} LogLevel;

extern LogLevel log_min_level;

extern void relay_log(LogLevel level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* RELAY_LOG_H */

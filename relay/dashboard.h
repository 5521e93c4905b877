/*
 * dashboard.h
 *	  The dashboard page served at "/", embedded at build time.
 *
 * Design notes
 *
 * relay/embed.sh turns relay/dashboard.html into dashboard.c (a generated
 * file, not tracked), so the binary needs no file at run time.
 */
#ifndef RELAY_DASHBOARD_H
#define RELAY_DASHBOARD_H

#include <stddef.h>

extern const char relay_dashboard_html[];
extern const size_t relay_dashboard_html_len;

#endif /* RELAY_DASHBOARD_H */

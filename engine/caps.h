/*
 * caps - the fixed caps of the engine and the gateway, in one place: the
 * sizes of names, reasons, paths and frames, and the nesting allowed in
 * the JSON that crosses a process boundary. Each is a bound a hostile input
 * or peer can reach but not pass. The generic helpers' caps are in
 * util/util_caps.h.
 */
#ifndef MUGAI_CAPS_H
#define MUGAI_CAPS_H

#include "util_caps.h"

/* ---- reports (report.h) ---- */
#define REPORT_STR_MAX      512   /* a name, reason, what or why in a report node */
#define REPORT_MAX_ACTIONS  256   /* actions listed per node; more are counted */
#define REPORT_MAX_CHILDREN 10000 /* children listed per node; more are counted */

/* ---- JSON nesting checked at a process boundary (jsoncheck.h) ---- */
#define REPORT_JSON_DEPTH 64 /* a worker's report tree, as the parent accepts it */
#define AUDIT_JSON_DEPTH  32 /* one audit log line */
#define STATUS_JSON_DEPTH 8  /* mugaid's status reply */

/* ---- paths and names ---- */
#define CONFIG_PATH_MAX 1024 /* a path or value in mugaid.conf, and in the status page */

#endif

/*
 * caps - the fixed caps of the engine and the gateway, in one place: sizes
 * of names, reasons, paths, messages and frames, and the nesting allowed
 * in the JSON that crosses a process boundary. Each is a bound a hostile
 * input or peer can reach but not pass. A size ending in _MAX is the size
 * of the buffer, its NUL included. The generic helpers' caps are in
 * util/util_caps.h; a cap used by one file only stays there, named.
 *
 * Gateway vocabulary lives here too, so that there is one header: the
 * engine includes nothing above it, and everything above can include it.
 */
#ifndef MUGAI_CAPS_H
#define MUGAI_CAPS_H

#include "util_caps.h"

/* ---- short texts ---- */
#define TYPE_NAME_MAX   32   /* a file type's name ("docx", "unknown") */
#define REASON_CODE_MAX 64   /* a reason code or an error code ("parse-error") */
#define REASON_TEXT_MAX 512  /* a job's reason, a refusal's why: one line for a person */
#define MSG_MAX         1024 /* an error message for a person */
#define USER_NAME_MAX   64   /* a user or group name as shown */

/* ---- reports (report.h) ---- */
#define REPORT_STR_MAX      512        /* a name, reason, what or why in a report node */
#define REPORT_MAX_ACTIONS  256        /* actions listed per node; more are counted */
#define REPORT_MAX_CHILDREN 10000      /* children listed per node; more are counted */
#define JOB_REPORT_MAX      (4u << 20) /* a worker's JSON report tree */

/* ---- JSON nesting checked at a process boundary (jsoncheck.h) ---- */
#define REPORT_JSON_DEPTH 64 /* a worker's report tree, as the parent accepts it */
#define AUDIT_JSON_DEPTH  32 /* one audit log line */
#define STATUS_JSON_DEPTH 8  /* mugaid's status reply */

/* ---- paths ---- */
#define CONFIG_PATH_MAX 1024 /* a path or value in mugaid.conf, and in the status page */

/* ---- jobs ---- */
#define JOBS_MAX            64    /* mugai sanitize --jobs */
#define JOBS_DEFAULT_MAX    16    /* its default: the CPUs, at most this many */
#define JOB_MEMBER_NAME_MAX 1024u /* a member's name in the aux memfd (job_wire.h) */
/* Bytes of a worker's stderr kept (escaped) and passed on; the rest is dropped. */
#ifdef MUGAI_HAVE_ASAN
#define SANDBOX_STDERR_MAX (256u << 10) /* room for a sanitizer report */
#else
#define SANDBOX_STDERR_MAX (16u << 10)
#endif

/* ---- the client protocol (proto.h, request.h) ---- */
#define PROTO_MAX_FDS          4 /* descriptors with one frame */
#define REQUEST_NAME_MAX       1024u
#define REQUEST_PASSWORDS_MAX  1000u
#define REQUEST_PASSWORD_MAX   1024u
#define REQUEST_USER_MAX       64u
#define REQUEST_PATH_MAX       4096u
#define REQUEST_INTAKE_MAX     64u
#define REQUEST_RECIPIENTS_MAX 8192u
#define REVIEW_PASSWORDS_MAX   64u
/* Largest payload a daemon reads from a client (names and passwords). */
#define REQUEST_MAX (REQUEST_PASSWORDS_MAX * (REQUEST_PASSWORD_MAX + 4) + 8192)
/* Largest reply a client reads (the report tree and fixed fields). */
#define REPLY_MAX        (JOB_REPORT_MAX + 16384)
#define REVIEW_REPLY_MAX (64u << 20)
#define PWFILE_MAX       (1u << 20) /* a password file */

/* ---- the audit log (audit.h, audit_send.h) ---- */
#define AUDIT_LINE_MAX   (1u << 20) /* a line longer than this is refused */
#define AUDIT_EVENT_MAX  32         /* an event name: [a-z-], this long at most */
#define AUDIT_RECORD_MAX (1u << 16) /* one record between processes */
/* The log's path with a suffix (".head", ".pub", a rotated file's ".SEQ"). */
#define AUDIT_FILE_MAX (CONFIG_PATH_MAX + 76)

/* ---- the quarantine store (store.h) ---- */
#define STORE_TEXT_MAX       1024 /* names, reasons, senders */
#define STORE_RECIPIENTS_MAX 8192 /* newline-separated addresses */
#define STORE_PATH_MAX       4096 /* a share file's relative path */
#define STORE_REPORT_MAX     (1u << 20)

#endif

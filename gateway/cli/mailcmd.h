/*
 * mailcmd - `mugai mail`: one message on standard input, the sanitized
 * message on standard output; for MTAs (pipe transports, the milter) and
 * scripts.
 *
 *   mugai mail [--policy FILE] [--db DIR] [--spool DIR] < in.eml > out.eml
 *
 * The original is kept in the spool (spool.c) before anything else, then
 * the message runs through the same sandboxed job as `mugai sanitize`.
 * Exit status, in the sysexits spirit an MTA understands:
 *   0   stdout holds the sanitized message
 *   1   the message is not delivered as sent: held (stdout holds a notice
 *       message for the recipient; the original stays in the spool) or
 *       refused as larger than mail_max_size (stdout empty, nothing kept:
 *       the sender still has it); the reason is on stderr
 *   75  EX_TEMPFAIL: anything internal or configuration went wrong (bad
 *       policy or database, spool not writable, worker failure); nothing
 *       on stdout may be used, and the MTA should retry later
 */
#ifndef MUGAI_MAILCMD_H
#define MUGAI_MAILCMD_H

#define MAILCMD_EXIT_OK       0
#define MAILCMD_EXIT_HELD     1
#define MAILCMD_EXIT_TEMPFAIL 75

#define MAILCMD_DEFAULT_SPOOL "/var/spool/mugai"

int mailcmd_main(int argc, char **argv);

/* In the mugai client (built with MUGAI_THIN): hand the whole command over
 * to mugai-standalone; returns only if that fails (said on stderr). */
void cli_exec_standalone(void);

#endif

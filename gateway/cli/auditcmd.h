/*
 * auditcmd - `mugai audit verify`: check the audit log's chain, its signed
 * checkpoints and its signed head, and name the first place each rule
 * breaks (an edited, removed, inserted or reordered line, a cut end, a
 * rewrite without the key).
 *
 *   mugai audit verify [--key PUB] [--head FILE] [LOG]
 *       LOG (default /var/log/mugai/audit.log) with the files rotated out
 *       of it (LOG.<seq>, oldest first), its signed head LOG.head, and the
 *       public key beside it (audit.key.pub), unless given.
 *   mugai audit verify [--key PUB] [--head FILE] FILE1 FILE2 ...
 *       exactly these files, in this order.
 * Exit status: 0 intact, 1 a problem found, 2 usage or unreadable files.
 */
#ifndef MUGAI_AUDITCMD_H
#define MUGAI_AUDITCMD_H

#define AUDITCMD_DEFAULT_LOG "/var/log/mugai/audit.log"

int auditcmd_main(int argc, char **argv);

#endif

/*
 * quarcmd - `mugai quarantine`: list, show, request-release, approve,
 * reject, release, delete, purge and export, through mugaid's review
 * socket (gateway/daemon/stored.h).
 */
#ifndef MUGAI_QUARCMD_H
#define MUGAI_QUARCMD_H

#define QUARCMD_DEFAULT_SOCKET "/run/mugai/review.sock"

int quarcmd_main(int argc, char **argv);

#endif

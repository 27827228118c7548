/*
 * scan_status - the words for scan results, apart from libclamav, so that
 * clients of the daemon can report them without loading the engine.
 */
#include "scan.h"

const char *scan_status_name(enum scan_status s)
{
    switch (s) {
    case SCAN_CLEAN:
        return "clean";
    case SCAN_INFECTED:
        return "infected";
    case SCAN_LIMIT:
        return "limit-exceeded";
    case SCAN_ERROR:
        return "error";
    }
    return "error";
}

const struct scan_result *scan_worse(const struct scan_result *a, const struct scan_result *b)
{
    static const int rank[] = {
            [SCAN_CLEAN] = 0, [SCAN_ERROR] = 1, [SCAN_LIMIT] = 2, [SCAN_INFECTED] = 3};
    return rank[b->status] > rank[a->status] ? b : a;
}

/*
 * pwfile - password files (see pwfile.h).
 */
#include "pwfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pwfile_read(const char *path, size_t max, char ***list)
{
    FILE *f = fopen(path, "rb");
    *list = NULL;
    if (!f)
        return -1;
    char *data = malloc(PWFILE_MAX + 1);
    size_t n = data ? fread(data, 1, PWFILE_MAX + 1, f) : 0;
    fclose(f);
    if (!data || n > PWFILE_MAX) {
        free(data);
        errno = data ? EFBIG : ENOMEM;
        return -1;
    }
    data[n] = 0;
    char **v = calloc(max ? max : 1, sizeof(char *));
    int count = 0;
    for (char *line = data, *next; v && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = 0;
        if (!l)
            continue;
        if ((size_t)count >= max) {
            errno = E2BIG;
            count = -1;
            break;
        }
        if (!(v[count] = strdup(line))) {
            count = -1;
            break;
        }
        count++;
    }
    free(data);
    if (!v || count < 0) {
        pwfile_free(v, v ? (int)max : 0);
        return -1;
    }
    *list = v;
    return count;
}

void pwfile_free(char **list, int n)
{
    for (int i = 0; list && i < n; i++)
        free(list[i]);
    free(list);
}

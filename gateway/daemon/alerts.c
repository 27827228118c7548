/*
 * alerts - mail to the security staff (see alerts.h).
 */
#include "alerts.h"
#include "audit.h"
#include "buf.h"
#include "err.h"
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#define ALERTS_BATCH_MAX 100 /* lines in one mail; the rest are counted */
#define ALERTS_LINE_MAX  600

static const struct config *acfg;
static char lines[ALERTS_BATCH_MAX][ALERTS_LINE_MAX];
static unsigned n_lines, n_more, n_held_back;
static time_t first_at, hour_start;
static unsigned sent_this_hour;

void alerts_init(const struct config *cfg)
{
    acfg = cfg;
    hour_start = time(NULL);
}

static void field(const char *fields, const char *key, char *dst, size_t cap)
{
    if (!audit_line_field(fields, strlen(fields), key, dst, cap))
        dst[0] = 0;
}

/* The reasons security staff are told about: malware, what could not be
 * looked into, and workers the sandbox or their deadline stopped. */
static const char *alert_kind(const char *reason)
{
    static const struct {
        const char *code, *ja, *en;
    } kinds[] = {
            {"infected", "マルウェアを検知", "malware found"},
            {"encrypted", "暗号化のため検査不能", "encrypted, cannot be inspected"},
            {"parse-error", "読み取り不能", "unreadable"},
            {"worker-failed", "ワーカーがサンドボックスにより停止",
             "worker stopped by the sandbox"},
            {"timeout", "ワーカーが時間切れ", "worker deadline passed"},
            {"scan-failed", "ウイルス検査に失敗", "virus scan failed"},
            {"verify-failed", "出力の検証に失敗", "output verification failed"},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(reason, kinds[i].code) == 0) {
            static char both[160];
            snprintf(both, sizeof(both), "%s / %s", kinds[i].ja, kinds[i].en);
            return both;
        }
    return NULL;
}

static void add(const char *what, const char *detail)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    syslog(LOG_WARNING, "alert: %s: %s", what, detail);
    if (!acfg || !acfg->alert_to[0])
        return;
    if (!n_lines && !n_more)
        first_at = now;
    if (n_lines < ALERTS_BATCH_MAX)
        snprintf(lines[n_lines++], ALERTS_LINE_MAX, "%s  %s\n    %s", when, what, detail);
    else
        n_more++;
}

void alerts_note(const char *event, const char *fields)
{
    char reason[64], name[300], sha[72], verdict[16], status[8], detail[500], buf[64];
    if (strcmp(event, "job") == 0 || strcmp(event, "mail") == 0) {
        field(fields, "reason_code", reason, sizeof(reason));
        field(fields, "verdict", verdict, sizeof(verdict));
        field(fields, "status", status, sizeof(status));
        /* Blocked jobs and held messages only: what was released is fine. */
        if ((strcmp(event, "job") == 0 && strcmp(verdict, "blocked") != 0) ||
            (strcmp(event, "mail") == 0 && strcmp(status, "1") != 0))
            return;
        const char *kind = alert_kind(reason);
        if (!kind)
            return;
        field(fields, "name", name, sizeof(name));
        field(fields, "sha256_in", sha, sizeof(sha));
        snprintf(detail, sizeof(detail), "%s %s (%s) sha256=%s", event, name[0] ? name : "message",
                 reason, sha);
        add(kind, detail);
    } else if (strcmp(event, "engine-failed") == 0) {
        add("ウイルス定義を読み込めない / the virus database failed to load",
            "the previous engine keeps serving, if there was one");
    } else if (strcmp(event, "engine-loaded") == 0) {
        char age[16], max[16];
        field(fields, "db_age_days", age, sizeof(age));
        field(fields, "db_max_age_days", max, sizeof(max));
        if (age[0] && max[0] && atoi(age) > atoi(max)) {
            snprintf(detail, sizeof(detail), "the newest database is %s days old (policy: %s)", age,
                     max);
            add("ウイルス定義が古い / the virus database is old", detail);
        }
    } else if (strcmp(event, "quarantine-unlock") == 0) {
        char result[16], why[300], how[80];
        field(fields, "result", result, sizeof(result));
        field(fields, "reason", how, sizeof(how));
        if (strcmp(result, "refused") != 0 || strncmp(how, "ppap", 4) != 0)
            return;
        field(fields, "id", buf, sizeof(buf));
        field(fields, "why", why, sizeof(why));
        snprintf(detail, sizeof(detail), "quarantine item %s: %s", buf, why);
        add("PPAP: パスワードで開けない / a PPAP password did not open its attachment", detail);
    } else if (strcmp(event, "share-intake-stopped") == 0) {
        char why[300];
        field(fields, "detail", why, sizeof(why));
        add("共有フォルダーの受け付けを停止 / the inbound share stopped taking files", why);
    }
}

/* One mail: Japanese and English, the lines of the batch. */
static int send_batch(void)
{
    struct buf m;
    char hdr[1024];
    int rc = MG_OK, p[2];
    unsigned total = n_lines + n_more;
    buf_init(&m, (size_t)ALERTS_BATCH_MAX * ALERTS_LINE_MAX + 8192);
    /* Subject: "[Mugai] 警告 N 件 / N alerts", RFC 2047 base64 of UTF-8. */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char subj[128], enc[256];
    snprintf(subj, sizeof(subj), "[Mugai] \xE8\xAD\xA6\xE5\x91\x8A %u \xE4\xBB\xB6 / %u alert%s",
             total, total, total == 1 ? "" : "s");
    size_t sl = strlen(subj), o = 0;
    for (size_t i = 0; i < sl && o + 5 < sizeof(enc); i += 3) {
        uint32_t v = (uint32_t)(uint8_t)subj[i] << 16;
        if (i + 1 < sl)
            v |= (uint32_t)(uint8_t)subj[i + 1] << 8;
        if (i + 2 < sl)
            v |= (uint8_t)subj[i + 2];
        enc[o++] = b64[v >> 18 & 63];
        enc[o++] = b64[v >> 12 & 63];
        enc[o++] = i + 1 < sl ? b64[v >> 6 & 63] : '=';
        enc[o++] = i + 2 < sl ? b64[v & 63] : '=';
    }
    enc[o] = 0;
    snprintf(hdr, sizeof(hdr),
             "To: %s\nSubject: =?UTF-8?B?%s?=\nMIME-Version: 1.0\n"
             "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n"
             "Auto-Submitted: auto-generated\n\n",
             acfg->alert_to, enc);
    rc = buf_puts(&m, hdr);
    if (rc == MG_OK)
        rc = buf_printf(&m,
                        "Mugai (%s) から %u 件の警告です。詳細は監査ログと隔離一覧を確認して"
                        "ください (mugai quarantine list)。\n"
                        "Mugai (%s) reports %u alert%s; see the audit log and the quarantine "
                        "(mugai quarantine list).\n\n",
                        acfg->audit_node, total, acfg->audit_node, total, total == 1 ? "" : "s");
    for (unsigned i = 0; rc == MG_OK && i < n_lines; i++)
        rc = buf_printf(&m, "%s\n", lines[i]);
    if (rc == MG_OK && n_more)
        rc = buf_printf(&m, "\nほか %u 件 / and %u more\n", n_more, n_more);
    if (rc == MG_OK && n_held_back)
        rc = buf_printf(&m,
                        "\n前回までに %u 通の警告メールを送れませんでした (syslog を参照)。\n"
                        "%u earlier alert mail(s) could not be sent (see syslog).\n",
                        n_held_back, n_held_back);
    if (rc != MG_OK || pipe2(p, O_CLOEXEC) != 0) {
        buf_free(&m);
        return MG_ERR_IO;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[0], 0);
        char *argv[] = {(char *)acfg->sendmail, "-i", "--", (char *)acfg->alert_to, NULL};
        execv(acfg->sendmail, argv);
        _exit(127);
    }
    close(p[0]);
    rc = pid > 0 ? fdio_write_all(p[1], m.data, m.len) : MG_ERR_IO;
    close(p[1]);
    int st = 0;
    if (pid > 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    if (pid < 0 || rc != MG_OK || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        syslog(LOG_ERR, "cannot send the alert mail to %s through %s", acfg->alert_to,
               acfg->sendmail);
        rc = MG_ERR_IO;
    }
    buf_free(&m);
    return rc;
}

time_t alerts_tick(time_t now)
{
    if (!acfg || !acfg->alert_to[0] || (!n_lines && !n_more))
        return 0;
    if (now - hour_start >= 3600) {
        hour_start = now;
        sent_this_hour = 0;
    }
    time_t due = first_at + (time_t)acfg->alert_batch_seconds;
    if (now < due)
        return due;
    if (sent_this_hour >= acfg->alert_max_per_hour) {
        /* Over the limit: keep collecting until the hour turns. */
        return hour_start + 3600;
    }
    if (send_batch() == MG_OK)
        n_held_back = 0;
    else
        n_held_back++;
    sent_this_hour++;
    n_lines = n_more = 0;
    return 0;
}

void alerts_flush(void)
{
    if (acfg && acfg->alert_to[0] && (n_lines || n_more))
        send_batch();
    n_lines = n_more = 0;
}

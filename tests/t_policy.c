/*
 * t_policy - the policy loader: the shipped default.conf against the
 * built-in defaults, every error class with its line number and reason,
 * value syntax, and the rules no policy can break (executables and
 * unidentified data are blocked).
 *
 * The expected defaults and the list of flattenable types are written out
 * here again on purpose, so that a change in policy.c shows up as a failure
 * instead of being compared with itself.
 */
#include "buf.h"
#include "err.h"
#include "ftype.h"
#include "policy.h"
#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB_ ((uint64_t)1 << 20)
#define GIB_ ((uint64_t)1 << 30)

static char errbuf[1024];

/* Compare field by field, naming the first difference. */
static bool same_policy(const struct policy *a, const struct policy *b, const char *what)
{
#define SAME(f)                                                                                    \
    do {                                                                                           \
        if (a->f != b->f) {                                                                        \
            fprintf(stderr, "%s: %s differs (%llu != %llu)\n", what, #f, (unsigned long long)a->f, \
                    (unsigned long long)b->f);                                                     \
            return false;                                                                          \
        }                                                                                          \
    } while (0)
    SAME(max_input_size);
    SAME(max_depth);
    SAME(max_members);
    SAME(max_expanded);
    SAME(max_ratio);
    SAME(worker_cpu_seconds);
    SAME(worker_deadline_seconds);
    SAME(worker_memory);
    SAME(max_output_size);
    SAME(max_pixels);
    SAME(max_dimension);
    SAME(jpeg_max_scans);
    SAME(gif_max_frames);
    SAME(db_max_age_days);
    SAME(jpeg_keep_icc);
    SAME(png_keep_icc);
    SAME(csv_neutralize_formulas);
    SAME(scan_input);
    SAME(block_infected_input);
    SAME(keep_hyperlinks);
    SAME(mail_max_size);
    SAME(mail_retention_days);
    SAME(mail_defang_urls);
    SAME(mail_hold_encrypted);
    SAME(mail_attachment_text);
    if (strcmp(a->mail_subject_tag, b->mail_subject_tag) != 0) {
        fprintf(stderr, "%s: mail_subject_tag differs ('%s' != '%s')\n", what, a->mail_subject_tag,
                b->mail_subject_tag);
        return false;
    }
    for (int i = 0; i < FT_COUNT; i++)
        SAME(action[i]);
#undef SAME
    return true;
}

/* The defaults as the project specifies them, independent of policy.c. */
static void expected_defaults(struct policy *p)
{
    memset(p, 0, sizeof(*p));
    p->max_input_size = 100 * MIB_;
    p->max_depth = 5;
    p->max_members = 10000;
    p->max_expanded = GIB_;
    p->max_ratio = 100;
    p->worker_cpu_seconds = 60;
    p->worker_deadline_seconds = 120;
    p->worker_memory = GIB_;
    p->max_output_size = 256 * MIB_;
    p->max_pixels = 100000000;
    p->max_dimension = 30000;
    p->jpeg_max_scans = 100;
    p->gif_max_frames = 1000;
    p->db_max_age_days = 7;
    p->jpeg_keep_icc = p->png_keep_icc = p->csv_neutralize_formulas = true;
    p->scan_input = p->block_infected_input = p->keep_hyperlinks = true;
    p->mail_max_size = 50 * MIB_;
    p->mail_retention_days = 30;
    p->mail_defang_urls = false;
    p->mail_hold_encrypted = true;
    p->mail_attachment_text = false;
    for (int i = 0; i < FT_COUNT; i++)
        p->action[i] = POL_BLOCK;
    p->action[FT_TEXT] = p->action[FT_CSV] = POL_SANITIZE;
    p->action[FT_JPEG] = p->action[FT_PNG] = p->action[FT_GIF] = POL_SANITIZE;
    p->action[FT_BMP] = p->action[FT_TIFF] = p->action[FT_WEBP] = POL_SANITIZE;
    p->action[FT_EML] = POL_SANITIZE;
    p->action[FT_DOC] = p->action[FT_XLS] = p->action[FT_PPT] = POL_SANITIZE;
    p->action[FT_RTF] = POL_SANITIZE;
    p->action[FT_HTML] = p->action[FT_SVG] = p->action[FT_XML] = POL_SANITIZE;
    static const char *const sanitized[] = {
            "pdf",  "docx", "dotx", "xlsx", "xltx", "pptx", "ppsx", "potx",  "docm", "dotm", "xlsm",
            "xltm", "pptm", "ppsm", "potm", "odt",  "ods",  "odp",  "ott",   "ots",  "otp",  "zip",
            "7z",   "tar",  "cpio", "lzh",  "rar",  "cab",  "gzip", "bzip2", "xz",   "zstd"};
    for (size_t i = 0; i < sizeof(sanitized) / sizeof(sanitized[0]); i++)
        p->action[ftype_by_name(sanitized[i])] = POL_SANITIZE;
}

static bool flattenable(enum ftype t)
{
    static const char *const names[] = {"text", "csv",  "pdf",  "html", "rtf",  "docx", "docm",
                                        "dotx", "dotm", "xlsx", "xlsm", "xltx", "xltm", "pptx",
                                        "pptm", "ppsx", "ppsm", "potx", "potm", "odt",  "ods",
                                        "odp",  "ott",  "ots",  "otp",  "doc",  "xls",  "ppt"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(ftype_info(t)->name, names[i]) == 0)
            return true;
    return false;
}

/* Fill with values no parse would produce, to see that errors reset pol. */
static void scribble(struct policy *p)
{
    memset(p, 0x5a, sizeof(*p));
}

static int parse_str(struct policy *p, const char *text)
{
    return policy_parse(p, text, strlen(text), "t.conf", errbuf, sizeof(errbuf));
}

/* A refusal (rc) from file: on the given line, the reason containing word,
 * and p (scribbled over before) left at the defaults. */
static void check_refused(int rc, const char *file, unsigned line, const char *word,
                          const struct policy *p, const char *what)
{
    struct policy d;
    char prefix[4200];
    policy_defaults(&d);
    CHECK_EQ_INT(rc, MG_ERR_USAGE);
    snprintf(prefix, sizeof(prefix), "%s:%u: ", file, line);
    bool ok = strncmp(errbuf, prefix, strlen(prefix)) == 0 && strstr(errbuf, word) != NULL;
    if (!ok)
        fprintf(stderr, "%s: want '%s...%s', got '%s'\n", what, prefix, word, errbuf);
    CHECK(ok);
    CHECK(same_policy(p, &d, what));
}

/* Expect an error on the given line whose reason contains word. */
static void check_error_at(const char *text, size_t len, unsigned line, const char *word)
{
    struct policy p;
    scribble(&p);
    int rc = policy_parse(&p, text, len, "t.conf", errbuf, sizeof(errbuf));
    check_refused(rc, "t.conf", line, word, &p, "after error");
}

static void check_error(const char *text, unsigned line, const char *word)
{
    check_error_at(text, strlen(text), line, word);
}

/* Texts each refused on line with a reason holding word (check_error). */
struct error_case {
    const char *text;
    unsigned line;
    const char *word;
};

static void check_errors(const struct error_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_error(c[i].text, c[i].line, c[i].word);
}

/* Texts each accepted, setting one field (at off, size bytes) to want. */
struct value_case {
    const char *text;
    size_t off, size;
    uint64_t want;
};

#define FIELD(f) offsetof(struct policy, f), sizeof(((struct policy *)0)->f)

static void check_values(const struct value_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct policy p;
        uint64_t v64 = 0;
        uint32_t v32 = 0;
        CHECK_EQ_INT(parse_str(&p, c[i].text), MG_OK);
        if (c[i].size == sizeof(v64))
            memcpy(&v64, (const char *)&p + c[i].off, sizeof(v64));
        else if (c[i].size == sizeof(v32))
            memcpy(&v32, (const char *)&p + c[i].off, sizeof(v32)), v64 = v32;
        if (v64 != c[i].want)
            fprintf(stderr, "  %s", c[i].text);
        CHECK_EQ_INT(v64, c[i].want);
    }
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *source_path(char *dst, size_t n, const char *rel)
{
    const char *src = getenv("MUGAI_SOURCE");
    snprintf(dst, n, "%s/%s", src ? src : ".", rel);
    return dst;
}

/*
 * Read default.conf with a few lines of our own: every key must be set on
 * a line of its own, no executable type may have an uncommented line.
 */
static void test_default_conf_complete(const char *path)
{
    static const char *const keys[] = {"max_input_size",
                                       "max_depth",
                                       "max_members",
                                       "max_expanded",
                                       "max_ratio",
                                       "worker_cpu_seconds",
                                       "worker_deadline_seconds",
                                       "worker_memory",
                                       "max_output_size",
                                       "max_pixels",
                                       "max_dimension",
                                       "jpeg_max_scans",
                                       "gif_max_frames",
                                       "db_max_age_days",
                                       "jpeg_keep_icc",
                                       "png_keep_icc",
                                       "csv_neutralize_formulas",
                                       "scan_input",
                                       "block_infected_input",
                                       "keep_hyperlinks",
                                       "mail_max_size",
                                       "mail_retention_days",
                                       "mail_defang_urls",
                                       "mail_hold_encrypted",
                                       "mail_attachment_text",
                                       "mail_subject_tag"};
    bool seen[sizeof(keys) / sizeof(keys[0])] = {false};
    char line[4200];
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#' || *s == ';' || *s == '[' || *s == '\n' || *s == 0)
            continue;
        size_t kl = strcspn(s, " \t=");
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            if (strlen(keys[i]) == kl && strncmp(s, keys[i], kl) == 0)
                seen[i] = true;
        for (int t = 0; t < FT_COUNT; t++) {
            const char *n = ftype_info((enum ftype)t)->name;
            if (ftype_is_executable((enum ftype)t) && strlen(n) == kl && strncmp(s, n, kl) == 0) {
                fprintf(stderr, "default.conf lists executable type %s\n", n);
                CHECK(0);
            }
        }
    }
    fclose(f);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (!seen[i])
            fprintf(stderr, "default.conf does not set %s\n", keys[i]);
        CHECK(seen[i]);
    }
}

static void test_defaults(void)
{
    struct policy want, got, file;
    char path[4096];

    expected_defaults(&want);
    policy_defaults(&got);
    CHECK(same_policy(&got, &want, "policy_defaults"));

    source_path(path, sizeof(path), "policy/default.conf");
    scribble(&file);
    int rc = policy_load_file(&file, path, errbuf, sizeof(errbuf));
    if (rc != MG_OK)
        fprintf(stderr, "%s\n", errbuf);
    CHECK_EQ_INT(rc, MG_OK);
    CHECK(same_policy(&file, &got, "default.conf"));
    test_default_conf_complete(path);

    /* Defaults block what they must. */
    CHECK_EQ_INT(policy_action(&got, FT_UNKNOWN), POL_BLOCK);
    CHECK_EQ_INT(policy_action(&got, FT_XLSB), POL_BLOCK);
    CHECK_EQ_INT(policy_action(&got, FT_JTD), POL_BLOCK);
    CHECK_EQ_INT(policy_action(&got, FT_DOC), POL_SANITIZE);
    CHECK_EQ_INT(policy_action(&got, FT_HTML), POL_SANITIZE);
    CHECK_EQ_INT(policy_action(&got, FT_RTF), POL_SANITIZE);
    CHECK_EQ_INT(policy_action(&got, FT_PDF), POL_SANITIZE);
    CHECK_EQ_INT(policy_action(&got, FT_ZIP), POL_SANITIZE);
    CHECK_EQ_INT(policy_action(&got, FT_PE), POL_BLOCK);
    CHECK_EQ_INT(policy_action(&got, FT_JPEG), POL_SANITIZE);

    /* Empty text and NULL text of length 0 are the defaults. */
    scribble(&file);
    CHECK_EQ_INT(policy_parse(&file, "", 0, "e", errbuf, sizeof(errbuf)), MG_OK);
    CHECK(same_policy(&file, &want, "empty"));
    scribble(&file);
    CHECK_EQ_INT(policy_parse(&file, NULL, 0, NULL, NULL, 0), MG_OK);
    CHECK(same_policy(&file, &want, "NULL"));
}

/* Every sample in corpus/policy/ is refused on the expected line. */
static void test_corpus(void)
{
    static const struct {
        const char *name;
        unsigned line;
        const char *word;
    } cases[] = {
            {"unknown-section", 5, "unknown section [limit]"},
            {"key-outside-section", 3, "outside a section"},
            {"unknown-key", 5, "unknown key 'max_depht' in [limits]"},
            {"uppercase-key", 5, "lower-case"},
            {"fullwidth-space-key", 5, "non-ASCII"},
            {"key-in-wrong-section", 5, "belongs in [options]"},
            {"duplicate-key", 7, "duplicate key 'max_depth' in [limits] (first set on line 4)"},
            {"duplicate-action", 7, "duplicate key 'jpeg' in [actions] (first set on line 2)"},
            {"count-too-large", 5, "bad value '100001' for max_ratio: expected a whole number"},
            {"depth-absurd", 5,
             "bad value '101' for max_depth: expected a whole number from 0 "
             "to 100"},
            {"zero-deadline", 5, "bad value '0' for worker_deadline_seconds"},
            {"count-with-suffix", 5, "bad value '10K' for max_members"},
            {"negative-count", 5, "bad value '-1' for max_dimension"},
            {"size-bad-suffix", 5, "bad value '100MB' for max_input_size: expected a size"},
            {"size-overflow", 5, "bad value"},
            {"size-shift-overflow", 5, "bad value"},
            {"size-too-large", 5,
             "bad value '17G' for max_input_size: expected a size from 1 "
             "to 16G"},
            {"size-space", 5, "bad value '100 M'"},
            {"missing-value", 5, "missing value for max_members"},
            {"bad-bool", 5, "bad value 'maybe' for jpeg_keep_icc: expected yes or no"},
            {"bad-action", 5, "bad value 'allow' for jpeg: expected sanitize, flatten or block"},
            {"unknown-type", 5, "unknown file type 'exe'"},
            {"type-by-extension", 5, "did you mean 'jpeg'"},
            {"executable-sanitize", 5, "cannot be released by policy"},
            {"executable-flatten", 5, "cannot be released by policy"},
            {"unknown-release", 5, "cannot be released by policy"},
            {"flatten-image", 5,
             "'jpeg' cannot be flattened: flatten is available for pdf, html, rtf, docx, "},
            {"no-equals", 5, "expected 'key = value'"},
            {"missing-key", 5, "missing key"},
            {"section-junk", 5, "unexpected text after section header"},
            {"section-unterminated", 5, "without ']'"},
            {"overlong-line", 5, "longer than 4096 bytes"},
            {"nul-byte", 5, "NUL byte"},
            {"invalid-utf8", 5, "invalid UTF-8"},
            {"overlong-utf8", 5, "invalid UTF-8"},
            {"surrogate-utf8", 5, "invalid UTF-8"},
            {"control-char", 5, "control character 0x1b"},
    };
    const char *corpus = getenv("MUGAI_CORPUS");
    struct policy p;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/policy/%s.conf", corpus ? corpus : "corpus",
                 cases[i].name);
        scribble(&p);
        int rc = policy_load_file(&p, path, errbuf, sizeof(errbuf));
        check_refused(rc, path, cases[i].line, cases[i].word, &p, cases[i].name);
    }
}

static void test_sizes_and_counts(void)
{
    static const struct value_case values[] = {
            {"[limits]\nmax_input_size = 512\n", FIELD(max_input_size), 512},
            {"[limits]\nmax_input_size = 1K\n", FIELD(max_input_size), 1024},
            {"[limits]\nmax_input_size = 3k\n", FIELD(max_input_size), 3072},
            {"[limits]\nmax_output_size = 100M\n", FIELD(max_output_size), 104857600},
            {"[limits]\nmax_expanded = 2g\n", FIELD(max_expanded), 2147483648ULL},
            /* Bounds are inclusive. */
            {"[limits]\nmax_input_size = 16G\n", FIELD(max_input_size), 17179869184ULL},
            {"[limits]\nworker_memory = 16M\n", FIELD(worker_memory), 16 * MIB_},
            {"[limits]\nmax_depth = 0\n", FIELD(max_depth), 0},
            {"[limits]\nmax_depth = 100\n", FIELD(max_depth), 100},
            {"[limits]\nmax_depth = 007\n", FIELD(max_depth), 7},
            {"[limits]\nmax_pixels = 1000000000\n", FIELD(max_pixels), 1000000000},
            {"[limits]\ndb_max_age_days = 365\n", FIELD(db_max_age_days), 365},
            /* Whitespace and trailing comments around a value. */
            {"  [ limits ]  # c\n\t max_depth\t=\t7 \t; seven\r\n", FIELD(max_depth), 7},
    };
    static const struct error_case errors[] = {
            {"[limits]\nmax_input_size = 17179869185\n", 2, "bad value"},
            {"[limits]\nmax_input_size = 0\n", 2, "bad value '0'"},
            {"[limits]\nworker_memory = 16383K\n", 2, "from 16M to 64G"},
            {"[limits]\nworker_memory = 1.5G\n", 2, "bad value '1.5G'"},
            {"[limits]\nworker_memory = G\n", 2, "bad value 'G'"},
            {"[limits]\nworker_memory = +1G\n", 2, "bad value '+1G'"},
            {"[limits]\nmax_expanded = 18446744073709551616\n", 2, "bad value"},
            {"[limits]\nmax_depth = 4294967296\n", 2, "from 0 to 100"},
            {"[limits]\nworker_cpu_seconds = 0\n", 2, "from 1 to 86400"},
            {"[limits]\ngif_max_frames = 1e3\n", 2, "bad value '1e3'"},
            {"[limits]\nmax_pixels = 100 000\n", 2, "bad value"},
            {"[limits]\nmax_pixels = 1000000001\n", 2, "bad value"},
    };
    struct policy p;
    check_values(values, N_OF(values));
    check_errors(errors, N_OF(errors));
    CHECK_EQ_INT(parse_str(&p, "[limits]\nmax_depth=8#c\n"), MG_ERR_USAGE);
    CHECK_EQ_INT(parse_str(&p, "[limits]\nmax_depth =# c\n"), MG_ERR_USAGE);
    CHECK(strstr(errbuf, "missing value for max_depth") != NULL);
}

static void test_booleans(void)
{
    static const struct {
        const char *word;
        bool value;
    } words[] = {{"yes", true},  {"no", false}, {"true", true}, {"false", false}, {"on", true},
                 {"off", false}, {"1", true},   {"0", false},   {"YES", true},    {"Off", false}};
    struct policy p;
    char text[128];
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        snprintf(text, sizeof(text), "[options]\nscan_input = %s\n", words[i].word);
        CHECK_EQ_INT(parse_str(&p, text), MG_OK);
        CHECK_EQ_INT(p.scan_input, words[i].value);
        /* ...and nothing else moved. */
        struct policy d;
        policy_defaults(&d);
        d.scan_input = words[i].value;
        CHECK(same_policy(&p, &d, words[i].word));
    }
    static const struct error_case bad[] = {
            {"[options]\nscan_input = y\n", 2, "expected yes or no"},
            {"[options]\nscan_input = 2\n", 2, "bad value '2'"},
            {"[options]\nscan_input = yes please\n", 2, "bad value 'yes please'"},
    };
    check_errors(bad, N_OF(bad));
}

static void test_actions(void)
{
    struct policy p, d;
    policy_defaults(&d);

    /* One line changes its type and nothing else. */
    CHECK_EQ_INT(parse_str(&p, "[actions]\npdf = flatten\n"), MG_OK);
    CHECK_EQ_INT(p.action[FT_PDF], POL_FLATTEN);
    CHECK_EQ_INT(policy_action(&p, FT_PDF), POL_FLATTEN);
    d.action[FT_PDF] = POL_FLATTEN;
    CHECK(same_policy(&p, &d, "pdf = flatten"));
    d.action[FT_PDF] = POL_SANITIZE;

    CHECK_EQ_INT(parse_str(&p, "[actions]\njpeg = block\n"), MG_OK);
    CHECK_EQ_INT(policy_action(&p, FT_JPEG), POL_BLOCK);
    d.action[FT_JPEG] = POL_BLOCK;
    CHECK(same_policy(&p, &d, "jpeg = block"));
    d.action[FT_JPEG] = POL_SANITIZE;

    CHECK_EQ_INT(parse_str(&p, "[actions]\nzip = Block\n"), MG_OK);
    CHECK_EQ_INT(policy_action(&p, FT_ZIP), POL_BLOCK);

    /* Every type: executables only ever block; flatten only where it exists. */
    for (int i = 0; i < FT_COUNT; i++) {
        enum ftype t = (enum ftype)i;
        const char *name = ftype_info(t)->name;
        char text[128];
        bool never = t == FT_UNKNOWN || ftype_is_executable(t);

        snprintf(text, sizeof(text), "[actions]\n%s = block\n", name);
        CHECK_EQ_INT(parse_str(&p, text), MG_OK);
        CHECK_EQ_INT(policy_action(&p, t), POL_BLOCK);

        snprintf(text, sizeof(text), "[actions]\n%s = sanitize\n", name);
        if (never) {
            check_error(text, 2, "cannot be released by policy");
        } else {
            CHECK_EQ_INT(parse_str(&p, text), MG_OK);
            CHECK_EQ_INT(policy_action(&p, t), POL_SANITIZE);
        }

        snprintf(text, sizeof(text), "# x\n[actions]\n%s = flatten\n", name);
        if (never) {
            check_error(text, 3, "cannot be released by policy");
        } else if (flattenable(t)) {
            CHECK_EQ_INT(parse_str(&p, text), MG_OK);
            CHECK_EQ_INT(policy_action(&p, t), POL_FLATTEN);
        } else {
            check_error(text, 3, "cannot be flattened");
        }
        CHECK_EQ_INT(policy_can_flatten(t), flattenable(t));

        /* A hand-filled policy cannot release them either. */
        struct policy h;
        memset(&h, 0, sizeof(h));
        h.action[t] = POL_SANITIZE;
        CHECK_EQ_INT(policy_action(&h, t), never ? POL_BLOCK : POL_SANITIZE);
        h.action[t] = POL_FLATTEN;
        CHECK_EQ_INT(policy_action(&h, t), (!never && flattenable(t)) ? POL_FLATTEN : POL_BLOCK);
        h.action[t] = (enum pol_action)7;
        CHECK_EQ_INT(policy_action(&h, t), POL_BLOCK);
    }
    CHECK_EQ_INT(policy_action(&d, (enum ftype)FT_COUNT), POL_BLOCK);
    CHECK_EQ_INT(policy_action(&d, (enum ftype) - 1), POL_BLOCK);
    CHECK(strcmp(policy_action_name(POL_FLATTEN), "flatten") == 0);
}

static void test_lines(void)
{
    struct policy p;
    char *big;

    /* A line of exactly POLICY_MAX_LINE bytes is fine, one more is not. */
    big = malloc(POLICY_MAX_TEXT + 2);
    CHECK(big != NULL);
    if (!big)
        return;
    memset(big, 'x', POLICY_MAX_LINE + 1);
    big[0] = '#';
    CHECK_EQ_INT(policy_parse(&p, big, POLICY_MAX_LINE, "t.conf", errbuf, sizeof(errbuf)), MG_OK);
    big[POLICY_MAX_LINE] = '\n';
    CHECK_EQ_INT(policy_parse(&p, big, POLICY_MAX_LINE + 1, "t.conf", errbuf, sizeof(errbuf)),
                 MG_OK);
    big[POLICY_MAX_LINE] = 'x';
    check_error_at(big, POLICY_MAX_LINE + 1, 1, "longer than");

    /* The text cap: 1 MiB of comment lines is accepted, one byte more is not. */
    for (size_t i = 0; i < POLICY_MAX_TEXT; i += 64) {
        memset(big + i, '#', 63);
        big[i + 63] = '\n';
    }
    CHECK_EQ_INT(policy_parse(&p, big, POLICY_MAX_TEXT, "t.conf", errbuf, sizeof(errbuf)), MG_OK);
    big[POLICY_MAX_TEXT] = '\n';
    CHECK_EQ_INT(policy_parse(&p, big, POLICY_MAX_TEXT + 1, "t.conf", errbuf, sizeof(errbuf)),
                 MG_ERR_USAGE);
    CHECK(strncmp(errbuf, "t.conf: ", 8) == 0 && strstr(errbuf, "larger than") != NULL);
    free(big);

    /* BOM only at the very start; CRLF fine; a lone CR is not a line end. */
    CHECK_EQ_INT(parse_str(&p, "\xEF\xBB\xBF[limits]\r\nmax_depth = 2\r\n"), MG_OK);
    CHECK_EQ_INT(p.max_depth, 2);
    static const struct error_case line_ends[] = {
            {"[limits]\n\xEF\xBB\xBFmax_depth = 2\n", 2, "unknown key"},
            {"[limits]\nmax_depth = 2\rmax_members = 3\n", 2, "control character 0x0d"},
            {"[limits]\nmax_depth = 2\r\r\n", 2, "control character 0x0d"},
            {"[limits]\n# \x7f\n", 2, "control character 0x7f"},
            {"[limits]\n# \xf4\x90\x80\x80\n", 2, "invalid UTF-8"},
            {"[limits]\n# \xe3\x81\x82\xe3\n", 2, "invalid UTF-8 (byte 0xe3 at column 6)"},
    };
    check_errors(line_ends, N_OF(line_ends));
    /* Japanese text in comments is fine. */
    CHECK_EQ_INT(parse_str(&p, "# 既定値\n[limits] ; 上限\nmax_depth = 3 # 深さ\n"), MG_OK);
    CHECK_EQ_INT(p.max_depth, 3);
    /* No newline at the end of the last line. */
    CHECK_EQ_INT(parse_str(&p, "[limits]\nmax_depth = 9"), MG_OK);
    CHECK_EQ_INT(p.max_depth, 9);
    /* A section may be opened again; the keys still count once. */
    CHECK_EQ_INT(parse_str(&p, "[limits]\nmax_depth=1\n[options]\n[limits]\nmax_members=2\n"),
                 MG_OK);
    CHECK_EQ_INT(p.max_depth, 1);
    CHECK_EQ_INT(p.max_members, 2);
    static const struct error_case layout[] = {
            {"[limits]\nmax_depth=1\n[options]\n[limits]\nmax_depth=2\n", 5, "first set on line 2"},
            {"[Limits]\n", 1, "lower-case"},
            {"[]\n", 1, "unknown section []"},
            {"max_depth = 1\n", 1, "belongs in [limits]"},
            {"jpeg = block\n", 1, "belongs in [actions]"},
            {"foo = 1\n", 1, "outside a section"},
            {"[limits]\nmax_depth\n", 2, "expected 'key = value'"},
            {"[options]\nscan_input == yes\n", 2, "bad value '= yes'"},
            {"[actions]\nPDF = sanitize\n", 2, "lower-case"},
            {"[actions]\nthis-is-a-very-long-type-name-that-fits-no-buffer = block\n", 2,
             "unknown file type"},
    };
    check_errors(layout, N_OF(layout));

    /* Hostile bytes are not echoed raw, and a long key is cut. */
    char text[256];
    snprintf(text, sizeof(text), "[limits]\n%s = 1\n",
             "k\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
             "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
             "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82");
    check_error(text, 2, "...' in [limits]");
    CHECK(strstr(errbuf, "k\xe3\x81\x82") != NULL);

    /* A NULL name and a small error buffer. */
    char small[12];
    memset(small, 'Z', sizeof(small));
    CHECK_EQ_INT(policy_parse(&p, "[nope]\n", 7, NULL, small, sizeof(small)), MG_ERR_USAGE);
    CHECK(memchr(small, 0, sizeof(small)) != NULL);
    CHECK(strcmp(small, "<policy>:1:") == 0);
    CHECK_EQ_INT(policy_parse(&p, "[nope]\n", 7, NULL, NULL, 0), MG_ERR_USAGE);
}

/* The mail keys, and the one string value (mail_subject_tag). */
static void test_mail_keys(void)
{
    struct policy p;
    char long_tag[200];

    CHECK_EQ_INT(parse_str(&p, "[limits]\nmail_max_size = 10M\nmail_retention_days = 365\n"),
                 MG_OK);
    CHECK_EQ_INT(p.mail_max_size, 10 * MIB_);
    CHECK_EQ_INT(p.mail_retention_days, 365);
    check_error("[limits]\nmail_max_size = 1023\n", 2, "from 1K to 16G");
    check_error("[limits]\nmail_retention_days = 0\n", 2, "from 1 to 3650");
    CHECK_EQ_INT(parse_str(&p, "[options]\nmail_defang_urls = yes\nmail_hold_encrypted = no\n"),
                 MG_OK);
    CHECK(p.mail_defang_urls);
    CHECK(!p.mail_hold_encrypted);
    CHECK(!p.mail_attachment_text);
    CHECK_EQ_INT(parse_str(&p, "[options]\nmail_attachment_text = yes\n"), MG_OK);
    CHECK(p.mail_attachment_text);

    /* Japanese text, trailing comment and spaces removed. */
    CHECK_EQ_INT(parse_str(&p, "[options]\nmail_subject_tag =  [\xe7\x84\xa1\xe5\xae\xb3] ; tag\n"),
                 MG_OK);
    CHECK(strcmp(p.mail_subject_tag, "[\xe7\x84\xa1\xe5\xae\xb3]") == 0);
    CHECK_EQ_INT(parse_str(&p, "[options]\nmail_subject_tag =\n"), MG_OK);
    CHECK_EQ_INT(p.mail_subject_tag[0], 0);
    /* 64 bytes are fine, 65 are not. */
    memset(long_tag, 0, sizeof(long_tag));
    snprintf(long_tag, sizeof(long_tag), "[options]\nmail_subject_tag = %064d\n", 7);
    CHECK_EQ_INT(parse_str(&p, long_tag), MG_OK);
    CHECK_EQ_INT((int)strlen(p.mail_subject_tag), 64);
    snprintf(long_tag, sizeof(long_tag), "[options]\nmail_subject_tag = %065d\n", 7);
    check_error(long_tag, 2, "at most 64 bytes");
    static const struct error_case tags[] = {
            {"[options]\nmail_subject_tag = a\nmail_subject_tag = b\n", 3, "duplicate key"},
            {"[options]\nmail_subject_tag = a\x01\n", 2, "control character"},
            {"[options]\nmail_subject_tag = \xff\n", 2, "invalid UTF-8"},
            {"[limits]\nmail_subject_tag = x\n", 2, "belongs in [options]"},
    };
    check_errors(tags, N_OF(tags));
}

static void test_to_text(void)
{
    struct policy p, q;
    struct buf b;
    static const char *const custom = "[limits]\nmax_input_size = 1536K\nmax_depth = 0\n"
                                      "worker_memory = 100000000\nmax_pixels = 77\n"
                                      "[options]\npng_keep_icc = no\n"
                                      "mail_subject_tag = [\xe7\x84\xa1\xe5\xae\xb3\xe5\x8c\x96]\n"
                                      "[actions]\npdf = flatten\ntext = block\nzip = sanitize\n";

    buf_init(&b, 1 << 16);
    policy_defaults(&p);
    CHECK_EQ_INT(policy_to_text(&p, &b), MG_OK);
    CHECK(b.len > 0 && strstr((char *)b.data, "max_input_size = 100M\n") != NULL);
    CHECK(strstr((char *)b.data, "\njpeg = sanitize\n") != NULL);
    scribble(&q);
    CHECK_EQ_INT(policy_parse(&q, (char *)b.data, b.len, "dump", errbuf, sizeof(errbuf)), MG_OK);
    CHECK(same_policy(&q, &p, "round trip of defaults"));

    CHECK_EQ_INT(parse_str(&p, custom), MG_OK);
    buf_reset(&b);
    CHECK_EQ_INT(policy_to_text(&p, &b), MG_OK);
    CHECK(strstr((char *)b.data, "max_input_size = 1536K\n") != NULL);
    CHECK(strstr((char *)b.data, "worker_memory = 100000000\n") != NULL);
    CHECK(strstr((char *)b.data, "\npdf = flatten\n") != NULL);
    CHECK(strstr((char *)b.data, "\nmail_subject_tag = [\xe7\x84\xa1") != NULL);
    CHECK(strstr((char *)b.data, "\npe = block") != NULL);
    CHECK(strstr((char *)b.data, "unknown =") == NULL);
    CHECK_EQ_INT(policy_parse(&q, (char *)b.data, b.len, "dump", errbuf, sizeof(errbuf)), MG_OK);
    CHECK(same_policy(&q, &p, "round trip of custom"));
    buf_free(&b);

    /* The cap of the caller's buffer holds. */
    buf_init(&b, 64);
    CHECK_EQ_INT(policy_to_text(&p, &b), MG_ERR_LIMIT);
    buf_free(&b);
}

static void write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK(write(fd, data, len) == (ssize_t)len);
    close(fd);
}

static void test_files(void)
{
    char dir[] = "/tmp/t_policy.XXXXXX";
    char path[256], want[512];
    struct policy p, d;
    policy_defaults(&d);

    CHECK(mkdtemp(dir) != NULL);

    snprintf(path, sizeof(path), "%s/missing.conf", dir);
    scribble(&p);
    CHECK_EQ_INT(policy_load_file(&p, path, errbuf, sizeof(errbuf)), MG_ERR_USAGE);
    snprintf(want, sizeof(want), "%s: cannot read: %s", path, strerror(ENOENT));
    CHECK(strcmp(errbuf, want) == 0);
    CHECK(same_policy(&p, &d, "missing"));

    scribble(&p);
    CHECK_EQ_INT(policy_load_file(&p, dir, errbuf, sizeof(errbuf)), MG_ERR_USAGE);
    snprintf(want, sizeof(want), "%s: cannot read: not a regular file", dir);
    CHECK(strcmp(errbuf, want) == 0);
    CHECK(same_policy(&p, &d, "directory"));

    snprintf(path, sizeof(path), "%s/fifo", dir);
    CHECK(mkfifo(path, 0600) == 0);
    CHECK_EQ_INT(policy_load_file(&p, path, errbuf, sizeof(errbuf)), MG_ERR_USAGE);
    CHECK(strstr(errbuf, "not a regular file") != NULL);
    unlink(path);

    char *big = malloc(POLICY_MAX_TEXT + 1);
    CHECK(big != NULL);
    if (big) {
        memset(big, '\n', POLICY_MAX_TEXT + 1);
        snprintf(path, sizeof(path), "%s/big.conf", dir);
        write_file(path, big, POLICY_MAX_TEXT + 1);
        scribble(&p);
        CHECK_EQ_INT(policy_load_file(&p, path, errbuf, sizeof(errbuf)), MG_ERR_USAGE);
        CHECK(strstr(errbuf, "cannot read: larger than 1048576 bytes") != NULL);
        CHECK(same_policy(&p, &d, "oversized"));
        /* At the cap exactly it is read. */
        write_file(path, big, POLICY_MAX_TEXT);
        CHECK_EQ_INT(policy_load_file(&p, path, errbuf, sizeof(errbuf)), MG_OK);
        unlink(path);
        free(big);
    }

    snprintf(path, sizeof(path), "%s/good.conf", dir);
    write_file(path, "[limits]\nmax_depth = 2\n", 23);
    CHECK_EQ_INT(policy_load_file(&p, path, errbuf, sizeof(errbuf)), MG_OK);
    CHECK_EQ_INT(p.max_depth, 2);
    write_file(path, "[limits]\nmax_depth = 200\n", 25);
    CHECK_EQ_INT(policy_load_file(&p, path, errbuf, sizeof(errbuf)), MG_ERR_USAGE);
    snprintf(want, sizeof(want), "%s:2: bad value", path);
    CHECK(strncmp(errbuf, want, strlen(want)) == 0);
    CHECK(same_policy(&p, &d, "bad file"));
    unlink(path);

    CHECK_EQ_INT(policy_load_file(&p, NULL, errbuf, sizeof(errbuf)), MG_ERR_USAGE);
    rmdir(dir);
}

int main(void)
{
    test_defaults();
    test_corpus();
    test_sizes_and_counts();
    test_booleans();
    test_actions();
    test_lines();
    test_mail_keys();
    test_to_text();
    test_files();
    return t_done();
}

/*
 * rtfsan - see rtfsan.h.
 *
 * One pass over the tokens with a stack of group frames. Each frame has a
 * mode: KEEP (write what is on the allowlists), SKIP (drop to the group's
 * end), OBJECT (an object or shape: only its result group is kept), FIELD
 * (a field waiting for its instruction), PART (a child of OBJECT or FIELD
 * whose first word says whether it is the part we keep), FLDINST
 * (collect the instruction's text, write nothing) and PICT (collect the
 * picture's data). A destination word switches the mode wherever it
 * stands in the group, as Word's reader does, so a destination hidden
 * behind formatting words is still recognised.
 *
 * A group's { is written only when something inside it is, so dropped
 * groups leave no empty braces; its } only when its { was written.
 *
 * rtfsan_verify() runs the same pass over an output with removal
 * forbidden and asks for the same bytes back: the output is a fixed
 * point of the sanitizer, which also proves the braces balance.
 */
#include "rtfsan.h"
#include "err.h"
#include "hexval.h"
#include "rtf_tok.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTF_INST_MAX 2048 /* units of a field instruction; longer ones are removed */
#define RTF_HEX_LINE 64   /* picture bytes per output line */

/* ---- allowlists --------------------------------------------------------- */

/* Formatting control words written as they are (sorted for bsearch, byte order). */
/* clang-format off */
static const char *const rtf_words[] = {
        "ab", "absh", "absnoovrlp", "absw", "acaps", "acccircle", "acccomma", "accdot",
        "accnone", "accunderdot", "acf", "additive", "adeff", "adeflang", "adjustright", "adn",
        "aenddoc", "aexpnd", "af", "afs", "aftnbj", "aftnnalc", "aftnnar", "aftnnauc",
        "aftnnrlc", "aftnnruc", "aftnrestart", "aftnrstcont", "aftnstart", "aftntj", "ai",
        "alang", "allowfieldendsel", "allprot", "alntblind", "annotprot", "ansi", "ansicpg",
        "aoutl", "ascaps", "ashad", "asianbrkrule", "aspalpha", "aspnum", "astrike", "aul",
        "aup", "b", "bdbfhdr", "bgbdiag", "bgcross", "bgdcross", "bgdkbdiag", "bgdkcross",
        "bgdkdcross", "bgdkfdiag", "bgdkhoriz", "bgdkvert", "bgfdiag", "bghoriz", "bgvert",
        "bkmkcolf", "bkmkcoll", "blue", "bookfold", "bookfoldrev", "bookfoldsheets", "box",
        "brdrb", "brdrbar", "brdrbtw", "brdrcf", "brdrdash", "brdrdashd", "brdrdashdd",
        "brdrdashdotstr", "brdrdashsm", "brdrdb", "brdrdot", "brdremboss", "brdrengrave",
        "brdrframe", "brdrhair", "brdrinset", "brdrl", "brdrnil", "brdrnone", "brdroutset",
        "brdrr", "brdrs", "brdrsh", "brdrt", "brdrtbl", "brdrth", "brdrthtnlg", "brdrthtnmg",
        "brdrthtnsg", "brdrtnthlg", "brdrtnthmg", "brdrtnthsg", "brdrtnthtnlg", "brdrtnthtnmg",
        "brdrtnthtnsg", "brdrtriple", "brdrw", "brdrwavy", "brdrwavydb", "brkfrm", "brsp",
        "bullet", "caccentfive", "caccentfour", "caccentone", "caccentsix", "caccentthree",
        "caccenttwo", "caps", "cb", "cbackgroundone", "cbackgroundtwo", "cbpat", "cell",
        "cellx", "cf", "cfollowedhyperlink", "cfpat", "cgrid", "charrsid", "charscalex",
        "chatn", "chbgbdiag", "chbgcross", "chbgdcross", "chbgdkbdiag", "chbgdkcross",
        "chbgdkdcross", "chbgdkfdiag", "chbgdkhoriz", "chbgdkvert", "chbgfdiag", "chbghoriz",
        "chbgvert", "chbrdr", "chcbpat", "chcfpat", "chdate", "chdpa", "chdpl", "chftn",
        "chftnsep", "chftnsepc", "chpgn", "chshdng", "chtime", "chyperlink", "clFitText",
        "clNoWrap", "clbgbdiag", "clbgcross", "clbgdcross", "clbgdkbdiag", "clbgdkcross",
        "clbgdkdcross", "clbgdkfdiag", "clbgdkhor", "clbgdkvert", "clbgfdiag", "clbghoriz",
        "clbgvert", "clbrdrb", "clbrdrl", "clbrdrr", "clbrdrt", "clcbpat", "clcbpatraw",
        "clcfpat", "clcfpatraw", "cldgll", "cldglu", "clftsWidth", "clhidemark", "clmgf",
        "clmrg", "clpadb", "clpadfb", "clpadfl", "clpadfr", "clpadft", "clpadl", "clpadr",
        "clpadt", "clshdng", "clshdngraw", "clspb", "clspfb", "clspfl", "clspfr", "clspft",
        "clspl", "clspr", "clspt", "cltxbtlr", "cltxlrtb", "cltxlrtbv", "cltxtbrl", "cltxtbrlv",
        "clvertalb", "clvertalc", "clvertalt", "clvmgf", "clvmrg", "clwWidth", "cmaindarkone",
        "cmaindarktwo", "cmainlightone", "cmainlighttwo", "collapsed", "colno", "cols", "colsr",
        "colsx", "column", "colw", "contextualspace", "cpg", "crauth", "crdate", "cs", "cshade",
        "ctextone", "ctexttwo", "ctint", "cvmme", "dbch", "deff", "defformat", "deflang",
        "deflangfe", "deftab", "deleted", "delrsid", "dfrmtxtx", "dfrmtxty", "dghorigin",
        "dghshow", "dghspace", "dgmargin", "dgvorigin", "dgvshow", "dgvspace", "dn",
        "dntblnsbdb", "doctype", "donotembedlingdata", "donotembedsysfont", "dropcapli",
        "dropcapt", "dxfrtext", "dy", "edmins", "embo", "emdash", "emspace", "endash", "enddoc",
        "endnhere", "endnotes", "enforceprot", "enspace", "expnd", "expndtw", "expshrtn", "f",
        "faauto", "facenter", "facingp", "fafixed", "fahang", "faroman", "favar", "fbidi",
        "fbimajor", "fbiminor", "fcharset", "fcs", "fdbmajor", "fdbminor", "fdecor", "fet",
        "fhimajor", "fhiminor", "fi", "fittext", "flomajor", "flominor", "fmodern", "fnil",
        "footery", "formprot", "formshade", "fprq", "fracwidth", "frmtxbtlr", "frmtxlrtb",
        "frmtxlrtbv", "frmtxtbrl", "frmtxtbrlv", "froman", "fs", "fscript", "fswiss", "ftech",
        "ftnalt", "ftnbj", "ftnil", "ftnlytwnine", "ftnnalc", "ftnnar", "ftnnauc", "ftnnrlc",
        "ftnnruc", "ftnrestart", "ftnrstcont", "ftnrstpg", "ftnstart", "ftntj", "fttruetype",
        "g", "gcw", "green", "gridtbl", "gutter", "gutterprl", "guttersxn", "headery", "hich",
        "highlight", "horzdoc", "horzsect", "horzvert", "hr", "htmautsp", "hyphauto",
        "hyphcaps", "hyphconsec", "hyphhotz", "hyphpar", "i", "id", "ignoremixedcontent",
        "ilfomacatclnup", "ilvl", "impr", "insrsid", "intbl", "irow", "irowband", "itap",
        "jclisttab", "jcompress", "jexpand", "keep", "keepn", "kerning", "landscape", "lang",
        "langfe", "langfenp", "langnp", "lastrow", "lbr", "ldblquote", "level", "levelfollow",
        "levelindent", "leveljc", "leveljcn", "levellegal", "levelnfc", "levelnfcn",
        "levelnorestart", "levelold", "levelpicture", "levelpicturenosize", "levelprev",
        "levelprevspace", "levelspace", "levelstartat", "leveltemplateid", "li", "lin", "line",
        "linebetcol", "linemod", "linerestart", "linestarts", "linex", "listhybrid", "listid",
        "listlevel", "listoverridecount", "listoverrideformat", "listoverridestartat",
        "listrestarthdn", "listsimple", "listtemplateid", "lnbrkrule", "lndscpsxn", "lnongrid",
        "loch", "lquote", "ls", "lsdlocked", "lsdlockeddef", "lsdpriority", "lsdprioritydef",
        "lsdqformat", "lsdqformatdef", "lsdsemihidden", "lsdsemihiddendef", "lsdstimax",
        "lsdunhideused", "lsdunhideuseddef", "ltrch", "ltrdoc", "ltrmark", "ltrpar", "ltrrow",
        "ltrsect", "lvltentative", "lytcalctblwd", "lytexcttp", "lytprtmet", "lyttblrtgr",
        "mac", "margb", "margbsxn", "margl", "marglsxn", "margmirror", "margr", "margrsxn",
        "margt", "margtsxn", "min", "mirrormargins", "mo", "msmcap", "nestcell", "nestrow",
        "newtblstyruls", "nobrkwrptbl", "nocompatoptions", "nocwrap", "noextrasprl", "nofchars",
        "nofcharsws", "nofpages", "nofwords", "nogrowautofit", "nojkernpunct", "nolead",
        "noline", "nolnhtadjtbl", "nooverflow", "noproof", "nosectexpand", "nosnaplinegrid",
        "nospaceforul", "nosupersub", "noultrlspc", "nowidctlpar", "noxlattoyen", "oldas",
        "oldlinewrap", "otblrul", "outl", "outlinelevel", "overlay", "page", "pagebb", "paperh",
        "paperw", "par", "pararsid", "pard", "pc", "pca", "pgbrdrb", "pgbrdrfoot", "pgbrdrhead",
        "pgbrdrl", "pgbrdropt", "pgbrdrr", "pgbrdrsnap", "pgbrdrt", "pgdscno", "pghsxn",
        "pgnbidia", "pgnbidib", "pgnchosung", "pgncnum", "pgncont", "pgndbnum", "pgndec",
        "pgndecd", "pgnganada", "pgnhn", "pgnhnsc", "pgnhnsh", "pgnhnsm", "pgnhnsn", "pgnhnsp",
        "pgnid", "pgnlcltr", "pgnlcrm", "pgnrestart", "pgnstarts", "pgnucltr", "pgnucrm",
        "pgnx", "pgny", "pgnzodiac", "pgwsxn", "phcol", "phmrg", "phpg", "plain", "pnaiueo",
        "pnb", "pncaps", "pncard", "pncf", "pndec", "pnf", "pnfs", "pnhang", "pni", "pnindent",
        "pniroha", "pnlcltr", "pnlcrm", "pnlvl", "pnlvlblt", "pnlvlbody", "pnlvlcont", "pnord",
        "pnordt", "pnqc", "pnql", "pnqr", "pnrestart", "pnrnot", "pnscaps", "pnsp", "pnstart",
        "pnstrike", "pnucltr", "pnucrm", "pnul", "pnuld", "pnuldash", "pnuldashd", "pnuldashdd",
        "pnuldb", "pnuldot", "pnulnone", "pnulth", "pnulw", "pnulwave", "posnegx", "posnegy",
        "posx", "posxc", "posxi", "posxl", "posxo", "posxr", "posy", "posyb", "posyc", "posyil",
        "posyin", "posyout", "posyt", "prcolbl", "protlevel", "psover", "pvmrg", "pvpara",
        "pvpg", "qc", "qd", "qj", "qk", "ql", "qmspace", "qr", "qt", "rdblquote",
        "readonlyrecommended", "readprot", "red", "rempersonalinfo", "revauth", "revauthdel",
        "revdttm", "revdttmdel", "revised", "revprot", "ri", "rin", "row", "rquote", "rsidroot",
        "rtlch", "rtldoc", "rtlgutter", "rtlmark", "rtlpar", "rtlrow", "rtlsect", "s", "sa",
        "saauto", "saftnnalc", "saftnnar", "saftnnauc", "saftnnrlc", "saftnnruc",
        "saftnrestart", "saftnrstcont", "saftnstart", "sautoupd", "saveinvalidxml", "sb",
        "sbasedon", "sbauto", "sbkcol", "sbkeven", "sbknone", "sbkodd", "sbkpage", "scaps",
        "scompose", "sec", "sect", "sectd", "sectdefaultcl", "sectlinegrid", "sectnum",
        "sectrsid", "sectspecifycl", "sectspecifygen", "sectspecifyl", "sectunlocked", "sftnbj",
        "sftnnalc", "sftnnar", "sftnnauc", "sftnnrlc", "sftnnruc", "sftnrestart", "sftnrstcont",
        "sftnrstpg", "sftnstart", "sftntj", "shad", "shading", "shidden", "showplaceholdtext",
        "showxmlerrors", "sl", "slink", "slmult", "slocked", "snaptogridincell", "snext",
        "softcol", "softlbr", "softline", "softpage", "spersonal", "splytwnine", "spriority",
        "sprsbsp", "sprslnsp", "sprsspbf", "sprstsm", "sprstsp", "sqformat", "sreply",
        "ssemihidden", "stextflow", "strike", "striked", "stshfbi", "stshfdbch", "stshfhich",
        "stshfloch", "styrsid", "sub", "sunhideused", "super", "swpbdr", "tab", "tabsnoovrlp",
        "taprtl", "tb", "tblind", "tblindtype", "tbllkbestfit", "tbllkborder", "tbllkcolor",
        "tbllkfont", "tbllkhdrcols", "tbllkhdrrows", "tbllklastcol", "tbllklastrow",
        "tbllknocolband", "tbllknorowband", "tbllkshading", "tblrsid", "tdfrmtxtBottom",
        "tdfrmtxtLeft", "tdfrmtxtRight", "tdfrmtxtTop", "themelang", "themelangcs",
        "themelangfe", "titlepg", "tldot", "tleq", "tlhyph", "tlmdot", "tlth", "tlul", "tphcol",
        "tphmrg", "tphpg", "tposnegx", "tposnegy", "tposx", "tposxc", "tposxi", "tposxl",
        "tposxo", "tposxr", "tposy", "tposyb", "tposyc", "tposyil", "tposyin", "tposyout",
        "tposyt", "tpvmrg", "tpvpara", "tpvpg", "tqc", "tqdec", "tqr", "trackformatting",
        "trackmoves", "transmf", "trautofit", "trbgbdiag", "trbgcross", "trbgdcross",
        "trbgdkbdiag", "trbgdkcross", "trbgdkdcross", "trbgdkfdiag", "trbgdkhor", "trbgdkvert",
        "trbgfdiag", "trbghoriz", "trbgvert", "trbrdrb", "trbrdrh", "trbrdrl", "trbrdrr",
        "trbrdrt", "trbrdrv", "trcbpat", "trcfpat", "trftsWidth", "trftsWidthA", "trftsWidthB",
        "trgaph", "trhdr", "trkeep", "trkeepfollow", "trleft", "trowd", "trpaddb", "trpaddfb",
        "trpaddfl", "trpaddfr", "trpaddft", "trpaddl", "trpaddr", "trpaddt", "trpat", "trqc",
        "trql", "trqr", "trrh", "trshdng", "trspdb", "trspdfb", "trspdfl", "trspdfr", "trspdft",
        "trspdl", "trspdr", "trspdt", "truncex", "trwWidth", "trwWidthA", "trwWidthB",
        "tsbgbdiag", "tsbgcross", "tsbgdcross", "tsbgdkbdiag", "tsbgdkcross", "tsbgdkdcross",
        "tsbgdkfdiag", "tsbgdkhor", "tsbgdkvert", "tsbgfdiag", "tsbghoriz", "tsbgvert",
        "tsbrdrb", "tsbrdrdgl", "tsbrdrdgr", "tsbrdrh", "tsbrdrl", "tsbrdrr", "tsbrdrt",
        "tsbrdrv", "tscbandhorzeven", "tscbandhorzodd", "tscbandsh", "tscbandsv",
        "tscbandverteven", "tscbandvertodd", "tscellcbpat", "tscellcfpat", "tscellpaddb",
        "tscellpaddfb", "tscellpaddfl", "tscellpaddfr", "tscellpaddft", "tscellpaddl",
        "tscellpaddr", "tscellpaddt", "tscellpct", "tscellwidth", "tscellwidthfts",
        "tscfirstcol", "tscfirstrow", "tsclastcol", "tsclastrow", "tscnecell", "tscnwcell",
        "tscsecell", "tscswcell", "tsnowrap", "tsrowd", "tsvertalb", "tsvertalc", "tsvertalt",
        "twoinone", "twoonone", "tx", "ul", "ulc", "uld", "uldash", "uldashd", "uldashdd",
        "uldb", "ulhwave", "ulldash", "ulnone", "ulth", "ulthd", "ulthdash", "ulthdashd",
        "ulthdashdd", "ulthldash", "ululdbwave", "ulw", "ulwave", "up", "useltbaln", "v",
        "validatexml", "vern", "version", "vertalb", "vertalc", "vertalj", "vertalt", "vertdoc",
        "vertsect", "viewkind", "viewscale", "viewzk", "webhidden", "widctlpar", "widowctrl",
        "wraparound", "wrapdefault", "wrapthrough", "wraptight", "wraptrsp", "wrppunct", "yr",
        "yts", "zwbo", "zwj", "zwnbo", "zwnj",
};
/* clang-format on */

static int rtf_strcmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int rtfsan_word_allowed(const char *word)
{
    const char *key = word;
    return bsearch(&key, rtf_words, sizeof(rtf_words) / sizeof(rtf_words[0]), sizeof(rtf_words[0]),
                   rtf_strcmp) != NULL;
}

/* What was removed, counted and reported once per kind at the end. */
enum rtf_count {
    RC_OBJECT,
    RC_DATASTORE,
    RC_TEMPLATE,
    RC_FONTEMB,
    RC_DATA,
    RC_MERGE,
    RC_SHAPE,
    RC_FIELD,
    RC_PICT_KIND,
    RC_PICT_BAD,
    RC_BIN,
    RC_DEST,
    RC_WORD,
    RC_CHAR,
    RC_TRAILING,
    RC_COUNT
};

static const struct {
    const char *what, *why;
} rtf_count_text[RC_COUNT] = {
        [RC_OBJECT] = {"embedded objects (\\object, \\objdata, \\objclass, \\objupdate ...)",
                       "OLE objects carry programs and exploits (CVE-2017-11882, CVE-2017-0199); "
                       "an object's cached result is kept"},
        [RC_DATASTORE] = {"\\datastore groups", "binary OLE data read by Word, used to smuggle "
                                                "exploits"},
        [RC_TEMPLATE] = {"\\template references", "an attached template can be fetched from a "
                                                  "remote server (template injection)"},
        [RC_FONTEMB] = {"embedded or linked fonts", "fonts are programs for a font parser"},
        [RC_DATA] = {"hidden data groups (document variables, custom properties, custom XML, "
                     "HTML, themes, link bases)",
                     "data not shown to the reader, or read from elsewhere"},
        [RC_MERGE] = {"mail-merge data sources", "a data source is a connection opened on "
                                                 "another system"},
        [RC_SHAPE] = {"shapes and drawing objects", "shape properties can link to remote "
                                                    "pictures; the shape's fallback result is "
                                                    "kept"},
        [RC_FIELD] = {"fields", "fields such as DDE, DDEAUTO, INCLUDETEXT, INCLUDEPICTURE, IMPORT "
                                "and LINK run programs or fetch files; the field's last result "
                                "is kept as text"},
        [RC_PICT_KIND] = {"pictures other than PNG and JPEG", "WMF, EMF and other metafiles are "
                                                              "records replayed by the reader"},
        [RC_PICT_BAD] = {"pictures that could not be made safe", "the picture data is malformed "
                                                                 "or failed its own sanitizer"},
        [RC_BIN] = {"\\bin data outside pictures", "raw binary data in a text document"},
        [RC_DEST] = {"destinations not on the allowlist", "unknown ignorable groups can hold "
                                                          "anything an application reads"},
        [RC_WORD] = {"control words not on the allowlist", "only known formatting is written"},
        [RC_CHAR] = {"control characters and invalid \\u values", "not text"},
        [RC_TRAILING] = {"bytes after the document's closing brace", "data after the end of a "
                                                                     "document can be another "
                                                                     "file"},
};

enum rtf_dest_kind {
    DK_KEEP,   /* written, content kept */
    DK_UNWRAP, /* not written, content kept as a plain group */
    DK_SKIP,   /* dropped with everything in it */
    DK_FIELD,
    DK_FLDINST,
    DK_FLDRSLT,
    DK_PICT,
    DK_OBJECT, /* dropped but for its result */
};

struct rtf_dest {
    const char *name;
    enum rtf_dest_kind kind;
    enum rtf_count count; /* DK_SKIP and DK_OBJECT: what to count */
};

/* Destinations (sorted for bsearch, byte order). */
static const struct rtf_dest rtf_dests[] = {
        {"aftncn", DK_KEEP, 0},
        {"aftnsep", DK_KEEP, 0},
        {"aftnsepc", DK_KEEP, 0},
        {"annotation", DK_KEEP, 0},
        {"atnauthor", DK_KEEP, 0},
        {"atndate", DK_KEEP, 0},
        {"atnicn", DK_SKIP, RC_DEST},
        {"atnid", DK_KEEP, 0},
        {"atnparent", DK_KEEP, 0},
        {"atnref", DK_KEEP, 0},
        {"atntime", DK_KEEP, 0},
        {"atrfend", DK_KEEP, 0},
        {"atrfstart", DK_KEEP, 0},
        {"author", DK_KEEP, 0},
        {"background", DK_SKIP, RC_SHAPE},
        {"bkmkend", DK_KEEP, 0},
        {"bkmkstart", DK_KEEP, 0},
        {"blipuid", DK_SKIP, RC_DEST},
        {"buptim", DK_KEEP, 0},
        {"category", DK_KEEP, 0},
        {"colorschememapping", DK_SKIP, RC_DATA},
        {"colortbl", DK_KEEP, 0},
        {"comment", DK_KEEP, 0},
        {"company", DK_KEEP, 0},
        {"creatim", DK_KEEP, 0},
        {"datafield", DK_SKIP, RC_DATA},
        {"datastore", DK_SKIP, RC_DATASTORE},
        {"defchp", DK_KEEP, 0},
        {"defpap", DK_KEEP, 0},
        {"do", DK_SKIP, RC_SHAPE},
        {"doccomm", DK_KEEP, 0},
        {"docvar", DK_SKIP, RC_DATA},
        {"falt", DK_KEEP, 0},
        {"ffentrymcr", DK_SKIP, RC_DATA},
        {"ffexitmcr", DK_SKIP, RC_DATA},
        {"field", DK_FIELD, 0},
        {"fldinst", DK_FLDINST, 0},
        {"fldrslt", DK_FLDRSLT, 0},
        {"fname", DK_KEEP, 0},
        {"fontemb", DK_SKIP, RC_FONTEMB},
        {"fontfile", DK_SKIP, RC_FONTEMB},
        {"fonttbl", DK_KEEP, 0},
        {"footer", DK_KEEP, 0},
        {"footerf", DK_KEEP, 0},
        {"footerl", DK_KEEP, 0},
        {"footerr", DK_KEEP, 0},
        {"footnote", DK_KEEP, 0},
        {"formfield", DK_SKIP, RC_DATA},
        {"ftncn", DK_KEEP, 0},
        {"ftnsep", DK_KEEP, 0},
        {"ftnsepc", DK_KEEP, 0},
        {"generator", DK_KEEP, 0},
        {"header", DK_KEEP, 0},
        {"headerf", DK_KEEP, 0},
        {"headerl", DK_KEEP, 0},
        {"headerr", DK_KEEP, 0},
        {"hlinkbase", DK_SKIP, RC_DATA},
        {"htmlbase", DK_SKIP, RC_DATA},
        {"htmltag", DK_SKIP, RC_DATA},
        {"info", DK_KEEP, 0},
        {"keywords", DK_KEEP, 0},
        {"latentstyles", DK_KEEP, 0},
        {"levelnumbers", DK_KEEP, 0},
        {"leveltext", DK_KEEP, 0},
        {"lfolevel", DK_KEEP, 0},
        {"linkval", DK_SKIP, RC_DATA},
        {"list", DK_KEEP, 0},
        {"listlevel", DK_KEEP, 0},
        {"listname", DK_KEEP, 0},
        {"listoverride", DK_KEEP, 0},
        {"listoverridetable", DK_KEEP, 0},
        {"listpicture", DK_KEEP, 0},
        {"listtable", DK_KEEP, 0},
        {"listtext", DK_KEEP, 0},
        {"lsdlockedexcept", DK_KEEP, 0},
        {"mailmerge", DK_SKIP, RC_MERGE},
        {"manager", DK_KEEP, 0},
        {"mhtmltag", DK_SKIP, RC_DATA},
        {"mmconnectstr", DK_SKIP, RC_MERGE},
        {"mmdatasource", DK_SKIP, RC_MERGE},
        {"mmheadersource", DK_SKIP, RC_MERGE},
        {"mmodso", DK_SKIP, RC_MERGE},
        {"mmodsoudl", DK_SKIP, RC_MERGE},
        {"mmquery", DK_SKIP, RC_MERGE},
        {"nesttableprops", DK_KEEP, 0},
        {"nonesttables", DK_SKIP, RC_DEST},
        {"nonshppict", DK_KEEP, 0},
        {"objalias", DK_OBJECT, RC_OBJECT},
        {"objclass", DK_OBJECT, RC_OBJECT},
        {"objdata", DK_OBJECT, RC_OBJECT},
        {"object", DK_OBJECT, RC_OBJECT},
        {"objitem", DK_OBJECT, RC_OBJECT},
        {"objname", DK_OBJECT, RC_OBJECT},
        {"objsect", DK_OBJECT, RC_OBJECT},
        {"objtime", DK_OBJECT, RC_OBJECT},
        {"objtopic", DK_OBJECT, RC_OBJECT},
        {"operator", DK_KEEP, 0},
        {"passwordhash", DK_SKIP, RC_DATA},
        {"picprop", DK_SKIP, RC_DEST},
        {"pict", DK_PICT, 0},
        {"pn", DK_KEEP, 0},
        {"pnseclvl", DK_KEEP, 0},
        {"pntext", DK_KEEP, 0},
        {"pntxta", DK_KEEP, 0},
        {"pntxtb", DK_KEEP, 0},
        {"printim", DK_KEEP, 0},
        {"result", DK_UNWRAP, 0},
        {"revtbl", DK_KEEP, 0},
        {"revtim", DK_KEEP, 0},
        {"rxe", DK_KEEP, 0},
        {"shp", DK_OBJECT, RC_SHAPE},
        {"shpgrp", DK_OBJECT, RC_SHAPE},
        {"shpinst", DK_SKIP, RC_SHAPE},
        {"shppict", DK_KEEP, 0},
        {"shprslt", DK_UNWRAP, 0},
        {"shptxt", DK_SKIP, RC_SHAPE},
        {"stylesheet", DK_KEEP, 0},
        {"subject", DK_KEEP, 0},
        {"tc", DK_KEEP, 0},
        {"template", DK_SKIP, RC_TEMPLATE},
        {"themedata", DK_SKIP, RC_DATA},
        {"title", DK_KEEP, 0},
        {"ts", DK_KEEP, 0},
        {"txe", DK_KEEP, 0},
        {"ud", DK_KEEP, 0},
        {"upr", DK_KEEP, 0},
        {"userprops", DK_SKIP, RC_DATA},
        {"xe", DK_KEEP, 0},
        {"xmlattr", DK_SKIP, RC_DATA},
        {"xmlclose", DK_SKIP, RC_DATA},
        {"xmlnstbl", DK_SKIP, RC_DATA},
        {"xmlopen", DK_SKIP, RC_DATA},
};

static int rtf_dest_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct rtf_dest *)elem)->name);
}

static const struct rtf_dest *rtf_dest_find(const char *word)
{
    return bsearch(word, rtf_dests, sizeof(rtf_dests) / sizeof(rtf_dests[0]), sizeof(rtf_dests[0]),
                   rtf_dest_cmp);
}

/* Field instructions kept (the first word, any case); everything else is removed. */
static const char *const rtf_safe_fields[] = {
        "AUTHOR",  "CREATEDATE", "DATE",     "EQ",           "INDEX", "KEYWORDS", "LISTNUM",
        "NOTEREF", "NUMCHARS",   "NUMPAGES", "NUMWORDS",     "PAGE",  "PAGEREF",  "PRINTDATE",
        "REF",     "SAVEDATE",   "SECTION",  "SECTIONPAGES", "SEQ",   "STYLEREF", "SUBJECT",
        "SYMBOL",  "TIME",       "TITLE",    "TOC",          "XE",
};

/* ---- the walk ----------------------------------------------------------- */

enum rtf_mode { RM_KEEP, RM_SKIP, RM_OBJECT, RM_FIELD, RM_PART, RM_FLDINST, RM_PICT };

struct rtf_frame {
    enum rtf_mode mode;
    uint8_t uc;     /* fallback characters after \u in this group */
    bool opened;    /* its { is in the output */
    bool star;      /* \* seen: the next word names an ignorable destination */
    int8_t field;   /* RM_FIELD: -1 no instruction yet, 0 removed, 1 kept */
    bool inst_root; /* the group that started a field instruction */
};

enum rtf_pict_kind { PK_NONE, PK_PNG, PK_JPEG, PK_OTHER };

struct rtf_walk {
    struct san_ctx *ctx;
    struct report_node *node;
    struct buf *out;
    bool verify; /* nothing may be removed; pictures go to ctx->verify_member */
    const char *why_fail;
    char why[200];

    struct rtf_frame fr[RTF_MAX_DEPTH + 1];
    unsigned n;                /* frames in use */
    const struct rtf_tok *tok; /* the token being handled */
    unsigned skip;             /* \u fallback characters still to drop */
    bool delim;                /* the last thing written was a control word */

    uint32_t inst[RTF_INST_MAX]; /* field instruction: bytes, or 0x10000 | \u value */
    size_t n_inst;
    bool inst_bad;

    struct buf pict;
    enum rtf_pict_kind pict_kind;
    bool pict_bad, pict_half;
    uint8_t pict_nibble;
    int32_t picw, pich, picwgoal, pichgoal, picscalex, picscaley;
    size_t n_pict;

    size_t count[RC_COUNT];
    char fields[120];                       /* the removed fields' keywords, for the report */
    char first[RC_COUNT][RTF_WORD_MAX + 2]; /* the first word removed of each kind */
};

static int rtf_fail(struct rtf_walk *w, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int rtf_fail(struct rtf_walk *w, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->why, sizeof(w->why), fmt, ap);
    va_end(ap);
    return rc;
}

/* Count a removal; while verifying, any removal fails. */
static int rtf_removed(struct rtf_walk *w, enum rtf_count c)
{
    w->count[c]++;
    if (w->count[c] == 1 && w->tok && w->tok->kind == RTF_TOK_WORD)
        snprintf(w->first[c], sizeof(w->first[c]), "\\%.*s", (int)sizeof(w->first[c]) - 2,
                 w->tok->word); /* a name for the report: cut to fit */
    if (w->verify)
        return rtf_fail(w, MG_ERR_VERIFY, "would remove %s", rtf_count_text[c].what);
    return MG_OK;
}

/* ---- writing ------------------------------------------------------------ */

static int rtf_put(struct rtf_walk *w, const char *s)
{
    w->delim = false;
    return buf_puts(w->out, s);
}

/* Write the { of every enclosing group not written yet, outermost first. */
static int rtf_open_chain(struct rtf_walk *w)
{
    for (unsigned i = 0; i < w->n; i++) {
        if (w->fr[i].opened)
            continue;
        int rc = rtf_put(w, "{");
        if (rc != MG_OK)
            return rc;
        w->fr[i].opened = true;
    }
    return MG_OK;
}

static int rtf_put_word(struct rtf_walk *w, bool star, const char *word, bool has_param,
                        int32_t param)
{
    int rc = rtf_open_chain(w);
    if (rc == MG_OK && star)
        rc = buf_puts(w->out, "\\*");
    if (rc == MG_OK)
        rc = has_param ? buf_printf(w->out, "\\%s%d", word, (int)param)
                       : buf_printf(w->out, "\\%s", word);
    w->delim = true;
    if (rc == MG_OK && (strcmp(word, "par") == 0 || strcmp(word, "row") == 0))
        rc = rtf_put(w, "\r\n");
    return rc;
}

/* One byte of text: printable ASCII as itself, the rest as \'hh. */
static int rtf_put_byte(struct rtf_walk *w, uint8_t c)
{
    int rc = MG_OK;
    if (c == '\\' || c == '{' || c == '}') {
        char s[3] = {'\\', (char)c, 0};
        return rtf_put(w, s);
    }
    if (c < 0x20 || c > 0x7e) {
        rc = buf_printf(w->out, "\\'%02x", c);
        w->delim = false;
        return rc;
    }
    /* Only a letter, digit, hyphen or space would be read as part of the word. */
    bool glue = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == ' ';
    if (w->delim && glue)
        rc = buf_putc(w->out, ' ');
    w->delim = false;
    return rc == MG_OK ? buf_putc(w->out, c) : rc;
}

/* \uN with N as a signed 16-bit number, then the one fallback character. */
static int rtf_put_unicode(struct rtf_walk *w, uint32_t u)
{
    int v = u > 32767 ? (int)u - 65536 : (int)u;
    int rc = buf_printf(w->out, "\\u%d?", v);
    w->delim = false;
    return rc;
}

/* ---- field instructions --------------------------------------------------- */

static void rtf_inst_add(struct rtf_walk *w, uint32_t unit)
{
    if (w->n_inst == RTF_INST_MAX) {
        w->inst_bad = true;
        return;
    }
    w->inst[w->n_inst++] = unit;
}

/* The instruction as ASCII (anything else as 0x01) into s. */
static void rtf_inst_ascii(const struct rtf_walk *w, char *s, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < w->n_inst && n + 1 < cap; i++)
        s[n++] = w->inst[i] >= 0x01 && w->inst[i] < 0x80 ? (char)w->inst[i] : 0x01;
    s[n] = 0;
}

/* The next argument of a field instruction: a quoted string or a bare word. */
static const char *rtf_inst_arg(const char *p, char *arg, size_t cap)
{
    size_t n = 0;
    while (*p == ' ')
        p++;
    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (n + 1 < cap)
                arg[n++] = *p;
            p++;
        }
        if (*p == '"')
            p++;
    } else {
        while (*p && *p != ' ') {
            if (n + 1 < cap)
                arg[n++] = *p;
            p++;
        }
    }
    arg[n] = 0;
    return p;
}

static bool rtf_url_ok(const char *u)
{
    if (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0 &&
        strncasecmp(u, "mailto:", 7) != 0)
        return false;
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == '\\' || *p == 0x7f)
            return false;
    return true;
}

/*
 * HYPERLINK "url" with switches \o "tip", \t "frame", \m, \n, or \l
 * "bookmark" alone: kept when the target is http, https or mailto, or
 * only a bookmark in the document.
 */
static bool rtf_hyperlink_ok(const char *p)
{
    char arg[RTF_INST_MAX];
    bool bookmark = false, url = false;
    while (*(p = rtf_inst_arg(p, arg, sizeof(arg))) || arg[0]) {
        if (arg[0] == '\\') {
            char sw = (char)(arg[1] | 0x20);
            if (arg[1] == 0 || arg[2] != 0 || !strchr("lotmn", sw))
                return false;
            if (sw == 'l' || sw == 'o' || sw == 't') {
                p = rtf_inst_arg(p, arg, sizeof(arg));
                bookmark |= sw == 'l';
            }
            continue;
        }
        if (url || !rtf_url_ok(arg))
            return false;
        url = true;
    }
    return url || bookmark;
}

/* Whether the collected instruction may stay; its keyword into kw. */
static bool rtf_inst_ok(struct rtf_walk *w, char *kw, size_t kwcap)
{
    char s[RTF_INST_MAX + 1];
    rtf_inst_ascii(w, s, sizeof(s));
    const char *p = s;
    while (*p == ' ')
        p++;
    size_t n = 0;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
        if (n + 1 < kwcap)
            kw[n++] = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        p++;
    }
    kw[n] = 0;
    if (w->inst_bad || n == 0 || (*p && *p != ' '))
        return false;
    if (strcmp(kw, "HYPERLINK") == 0)
        return w->ctx->pol->keep_hyperlinks && rtf_hyperlink_ok(p);
    for (size_t i = 0; i < sizeof(rtf_safe_fields) / sizeof(rtf_safe_fields[0]); i++)
        if (strcmp(kw, rtf_safe_fields[i]) == 0)
            return true;
    return false;
}

static int rtf_put_inst(struct rtf_walk *w)
{
    int rc = rtf_put(w, "\\field{\\*\\fldinst{");
    for (size_t i = 0; rc == MG_OK && i < w->n_inst; i++)
        rc = w->inst[i] & 0x10000 ? rtf_put_unicode(w, w->inst[i] & 0xffff)
                                  : rtf_put_byte(w, (uint8_t)w->inst[i]);
    return rc == MG_OK ? rtf_put(w, "}}") : rc;
}

/* The instruction group closed: keep the field, or let only its result through. */
static int rtf_inst_done(struct rtf_walk *w, struct rtf_frame *field)
{
    char kw[24];
    if (rtf_inst_ok(w, kw, sizeof(kw))) {
        field->field = 1;
        int rc = rtf_open_chain(w);
        return rc == MG_OK ? rtf_put_inst(w) : rc;
    }
    field->field = 0;
    size_t have = strlen(w->fields);
    if (have + strlen(kw) + 2 < sizeof(w->fields))
        snprintf(w->fields + have, sizeof(w->fields) - have, "%s%s", have ? " " : "",
                 kw[0] ? kw : "?");
    return rtf_removed(w, RC_FIELD);
}

/* ---- pictures ------------------------------------------------------------- */

static void rtf_pict_start(struct rtf_walk *w)
{
    buf_reset(&w->pict);
    w->pict_kind = PK_NONE;
    w->pict_bad = w->pict_half = false;
    w->picw = w->pich = w->picwgoal = w->pichgoal = 0;
    w->picscalex = w->picscaley = 100;
}

static void rtf_pict_word(struct rtf_walk *w, const struct rtf_tok *t)
{
    static const char *const other[] = {"emfblip",  "wmetafile", "macpict", "pmmetafile",
                                        "dibitmap", "wbitmap",   "pict"};
    int32_t v = t->has_param ? t->param : 0;
    if (strcmp(t->word, "pngblip") == 0)
        w->pict_kind = PK_PNG;
    else if (strcmp(t->word, "jpegblip") == 0)
        w->pict_kind = PK_JPEG;
    else if (strcmp(t->word, "picw") == 0)
        w->picw = v;
    else if (strcmp(t->word, "pich") == 0)
        w->pich = v;
    else if (strcmp(t->word, "picwgoal") == 0)
        w->picwgoal = v;
    else if (strcmp(t->word, "pichgoal") == 0)
        w->pichgoal = v;
    else if (strcmp(t->word, "picscalex") == 0)
        w->picscalex = v;
    else if (strcmp(t->word, "picscaley") == 0)
        w->picscaley = v;
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]) - 1; i++)
        if (strcmp(t->word, other[i]) == 0)
            w->pict_kind = PK_OTHER;
}

static void rtf_pict_text(struct rtf_walk *w, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && !w->pict_bad; i++) {
        if (p[i] == ' ' || p[i] == '\r' || p[i] == '\n' || p[i] == '\t')
            continue;
        int d = hexval(p[i]);
        if (d < 0) {
            w->pict_bad = true;
            break;
        }
        if (!w->pict_half) {
            w->pict_nibble = (uint8_t)d;
            w->pict_half = true;
        } else if (buf_putc(&w->pict, (uint8_t)(w->pict_nibble << 4 | d)) != MG_OK) {
            w->pict_bad = true;
        } else {
            w->pict_half = false;
        }
    }
}

static int rtf_put_pict(struct rtf_walk *w, enum ftype type, const uint8_t *data, size_t len)
{
    int rc = rtf_open_chain(w);
    if (rc == MG_OK)
        rc = buf_printf(w->out,
                        "\\pict\\%s\\picw%d\\pich%d\\picwgoal%d\\pichgoal%d\\picscalex%d"
                        "\\picscaley%d\r\n",
                        type == FT_PNG ? "pngblip" : "jpegblip", (int)w->picw, (int)w->pich,
                        (int)w->picwgoal, (int)w->pichgoal, (int)w->picscalex, (int)w->picscaley);
    for (size_t i = 0; rc == MG_OK && i < len; i++) {
        rc = buf_printf(w->out, "%02x", data[i]);
        if (rc == MG_OK && (i % RTF_HEX_LINE == RTF_HEX_LINE - 1 || i + 1 == len))
            rc = buf_puts(w->out, "\r\n");
    }
    w->delim = false;
    return rc;
}

/* The picture group closed: keep it as PNG or JPEG after its own sanitizer, or drop it. */
static int rtf_pict_done(struct rtf_walk *w)
{
    struct san_ctx *ctx = w->ctx;
    if (w->pict_kind == PK_NONE || w->pict_kind == PK_OTHER)
        return rtf_removed(w, RC_PICT_KIND);
    if (w->pict_bad || w->pict_half || w->pict.len == 0)
        return rtf_removed(w, RC_PICT_BAD);
    char name[40];
    snprintf(name, sizeof(name), "picture%zu.%s", ++w->n_pict,
             w->pict_kind == PK_PNG ? "png" : "jpg");
    enum ftype want = w->pict_kind == PK_PNG ? FT_PNG : FT_JPEG;
    if (w->verify) {
        if (ctx->verify_member && ctx->verify_member(ctx, name, w->pict.data, w->pict.len) != MG_OK)
            return rtf_fail(w, MG_ERR_VERIFY, "%s failed verification", name);
        return rtf_put_pict(w, want, w->pict.data, w->pict.len);
    }
    struct buf san;
    struct san_member_result res;
    buf_init(&san, w->out->max);
    int rc = san_member(ctx, w->node, name, w->pict.data, w->pict.len, &san, &res);
    if (rc == MG_OK && (res.out_type == FT_PNG || res.out_type == FT_JPEG))
        rc = rtf_put_pict(w, res.out_type, san.data, san.len);
    else if (rc == MG_OK || !res.fatal)
        rc = rtf_removed(w, RC_PICT_BAD);
    buf_free(&san);
    if (rc == MG_ERR_NOMEM)
        return rtf_fail(w, rc, "out of memory");
    return res.fatal ? rtf_fail(w, rc, "%s: %s", name, res.why) : rc;
}

/* ---- tokens ------------------------------------------------------------- */

static struct rtf_frame *rtf_top(struct rtf_walk *w)
{
    return &w->fr[w->n - 1];
}

static int rtf_open(struct rtf_walk *w)
{
    struct rtf_frame *up = rtf_top(w);
    struct rtf_frame *f = &w->fr[w->n++];
    memset(f, 0, sizeof(*f));
    w->skip = 0;
    f->uc = up->uc;
    f->field = -1;
    switch (up->mode) {
    case RM_KEEP:
        f->mode = RM_KEEP;
        break;
    case RM_OBJECT:
    case RM_FIELD:
        f->mode = RM_PART;
        break;
    case RM_FLDINST:
        f->mode = RM_FLDINST;
        break;
    default: /* SKIP, PART (a group before its first word), PICT (\*\picprop ...) */
        f->mode = RM_SKIP;
        break;
    }
    return MG_OK;
}

static int rtf_close(struct rtf_walk *w)
{
    int rc = rtf_top(w)->mode == RM_PICT ? rtf_pict_done(w) : MG_OK;
    struct rtf_frame f = *rtf_top(w); /* after the picture, which may have opened it */
    w->skip = 0;
    if (rc == MG_OK && f.opened)
        rc = rtf_put(w, "}");
    w->n--;
    if (rc == MG_OK && f.inst_root && rtf_top(w)->mode == RM_FIELD)
        rc = rtf_inst_done(w, rtf_top(w));
    return rc;
}

/* A destination word in frame f (of mode KEEP or PART). */
static int rtf_dest(struct rtf_walk *w, struct rtf_frame *f, const struct rtf_dest *d,
                    const struct rtf_tok *t, bool star)
{
    struct rtf_frame *up = w->n > 1 ? &w->fr[w->n - 2] : NULL;
    bool in_field = f->mode == RM_PART && up && up->mode == RM_FIELD;
    bool in_object = f->mode == RM_PART && up && up->mode == RM_OBJECT;
    if (in_object && d->kind != DK_UNWRAP) {
        f->mode = RM_SKIP; /* a part of an object already counted */
        return MG_OK;
    }
    switch (d->kind) {
    case DK_KEEP:
        if (f->mode == RM_PART)
            break;
        return rtf_put_word(w, star, t->word, t->has_param, t->param);
    case DK_UNWRAP:
        if (f->mode == RM_PART && !in_object)
            break;
        f->mode = RM_KEEP;
        return MG_OK;
    case DK_SKIP:
        f->mode = RM_SKIP;
        return rtf_removed(w, d->count);
    case DK_OBJECT:
        f->mode = RM_OBJECT;
        return rtf_removed(w, d->count);
    case DK_FIELD:
        if (f->mode == RM_PART)
            break;
        f->mode = RM_FIELD;
        f->field = -1;
        return MG_OK;
    case DK_FLDINST:
        if (!in_field || up->field != -1)
            break;
        f->mode = RM_FLDINST;
        f->inst_root = true;
        w->n_inst = 0;
        w->inst_bad = false;
        return MG_OK;
    case DK_FLDRSLT:
        f->mode = RM_KEEP;
        if (!in_field)
            return MG_OK;
        if (up->field == 1)
            return rtf_put_word(w, false, "fldrslt", false, 0);
        up->field = 0;
        return MG_OK;
    case DK_PICT:
        if (f->mode == RM_PART)
            break;
        f->mode = RM_PICT;
        rtf_pict_start(w);
        return MG_OK;
    }
    f->mode = RM_SKIP;
    return rtf_removed(w, RC_DEST);
}

/* \uN: the character, then drop the group's fallback characters. */
static int rtf_unicode(struct rtf_walk *w, struct rtf_frame *f, const struct rtf_tok *t)
{
    int32_t v = t->has_param ? t->param : 0;
    if (v < 0)
        v += 65536;
    int rc = MG_OK;
    if (v <= 0 || v > 65535)
        rc = rtf_removed(w, RC_CHAR);
    else if (f->mode == RM_FLDINST)
        rtf_inst_add(w, 0x10000 | (uint32_t)v);
    else if (f->mode == RM_KEEP && (rc = rtf_open_chain(w)) == MG_OK)
        rc = rtf_put_unicode(w, (uint32_t)v);
    w->skip = f->uc;
    return rc;
}

static int rtf_word(struct rtf_walk *w, const struct rtf_tok *t)
{
    struct rtf_frame *f = rtf_top(w);
    bool star = f->star;
    f->star = false;
    if (f->mode == RM_SKIP || f->mode == RM_OBJECT)
        return MG_OK;
    if (w->skip > 0) { /* a control word counts as one \u fallback character */
        w->skip--;
        return MG_OK;
    }
    if (f->mode == RM_PICT) {
        rtf_pict_word(w, t);
        return MG_OK;
    }
    if (strcmp(t->word, "uc") == 0) {
        f->uc = t->has_param && t->param >= 0 && t->param <= 255 ? (uint8_t)t->param : 1;
        return MG_OK;
    }
    if (strcmp(t->word, "u") == 0)
        return rtf_unicode(w, f, t);
    const struct rtf_dest *d = rtf_dest_find(t->word);
    if (f->mode == RM_FLDINST) {
        /* Anything but plain text and formatting makes the instruction unsafe. */
        if (d || star)
            w->inst_bad = true;
        return MG_OK;
    }
    if (f->mode == RM_FIELD) {
        if (!d && !star)
            return MG_OK; /* \fldlock, \flddirty ... */
        /* A field's parts are groups; a destination in the field itself is not one. */
        f->mode = RM_SKIP;
        return rtf_removed(w, RC_DEST);
    }
    if (d)
        return rtf_dest(w, f, d, t, star);
    if (star || f->mode == RM_PART) {
        f->mode = RM_SKIP;
        return rtf_removed(w, RC_DEST);
    }
    if (rtfsan_word_allowed(t->word))
        return rtf_put_word(w, false, t->word, t->has_param, t->param);
    return rtf_removed(w, RC_WORD);
}

static bool rtf_only_breaks(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '\r' && p[i] != '\n')
            return false;
    return true;
}

/* Bytes of text (from a run, or one \'hh when hex is set). */
static int rtf_text(struct rtf_walk *w, const uint8_t *p, size_t n, bool hex)
{
    struct rtf_frame *f = rtf_top(w);
    f->star = false;
    if (f->mode == RM_PART && (hex || !rtf_only_breaks(p, n))) {
        f->mode = RM_SKIP;
        return rtf_removed(w, RC_DEST);
    }
    if (f->mode == RM_PICT) {
        if (hex)
            w->pict_bad = true;
        else
            rtf_pict_text(w, p, n);
        return MG_OK;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (!hex && (c == '\r' || c == '\n'))
            continue; /* line breaks in RTF are not text */
        if (w->skip > 0) {
            w->skip--;
            continue;
        }
        if (f->mode == RM_FLDINST) {
            rtf_inst_add(w, !hex && c == '\t' ? ' ' : c);
            continue;
        }
        if (f->mode != RM_KEEP)
            continue;
        int rc;
        if (!hex && c == '\t')
            rc = rtf_put_word(w, false, "tab", false, 0);
        else if (!hex && (c < 0x20 || c == 0x7f))
            rc = rtf_removed(w, RC_CHAR);
        else if ((rc = rtf_open_chain(w)) == MG_OK)
            rc = rtf_put_byte(w, c);
        if (rc != MG_OK)
            return rc;
    }
    return MG_OK;
}

static int rtf_symbol(struct rtf_walk *w, const struct rtf_tok *t)
{
    struct rtf_frame *f = rtf_top(w);
    if (t->ch == '*') {
        f->star = true;
        return MG_OK;
    }
    if (t->ch == '\\' || t->ch == '{' || t->ch == '}')
        return rtf_text(w, &t->ch, 1, true);
    f->star = false;
    if (w->skip > 0 && f->mode != RM_SKIP) {
        w->skip--;
        return MG_OK;
    }
    if (f->mode == RM_PICT) {
        w->pict_bad = true;
        return MG_OK;
    }
    if (f->mode == RM_FLDINST || f->mode != RM_KEEP)
        return MG_OK;
    if (t->ch == '\n')
        return rtf_put_word(w, false, "par", false, 0);
    if (t->ch != 0 && strchr("~-_:|", t->ch)) {
        char s[3] = {'\\', (char)t->ch, 0};
        int rc = rtf_open_chain(w);
        return rc == MG_OK ? rtf_put(w, s) : rc;
    }
    return rtf_removed(w, RC_WORD);
}

static int rtf_bin(struct rtf_walk *w, const struct rtf_tok *t)
{
    struct rtf_frame *f = rtf_top(w);
    f->star = false;
    if (w->skip > 0 && f->mode != RM_SKIP) {
        w->skip--;
        return MG_OK;
    }
    if (f->mode == RM_PICT) {
        if (w->pict_half || buf_append(&w->pict, t->data, t->len) != MG_OK)
            w->pict_bad = true;
        return MG_OK;
    }
    if (f->mode == RM_FLDINST) {
        w->inst_bad = true;
        return MG_OK;
    }
    return f->mode == RM_SKIP || f->mode == RM_OBJECT ? MG_OK : rtf_removed(w, RC_BIN);
}

static int rtf_token(struct rtf_walk *w, const struct rtf_tok *t)
{
    switch (t->kind) {
    case RTF_TOK_OPEN:
        return rtf_open(w);
    case RTF_TOK_CLOSE:
        return rtf_close(w);
    case RTF_TOK_WORD:
        return rtf_word(w, t);
    case RTF_TOK_SYMBOL:
        return rtf_symbol(w, t);
    case RTF_TOK_HEX:
        return rtf_text(w, &t->ch, 1, true);
    case RTF_TOK_BIN:
        return rtf_bin(w, t);
    case RTF_TOK_TEXT:
        return rtf_text(w, t->data, t->len, false);
    case RTF_TOK_EOF:
        break;
    }
    return MG_OK;
}

/*
 * Bytes after the root group: whitespace and NULs are padding; a } first
 * means the braces do not balance; anything else is reported and dropped.
 */
static int rtf_trailing(struct rtf_walk *w, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0 || p[i] == ' ' || p[i] == '\r' || p[i] == '\n' || p[i] == '\t')
            continue;
        if (p[i] == '}')
            return rtf_fail(w, MG_ERR_PARSE, "unbalanced braces: } after the document's end");
        return rtf_removed(w, RC_TRAILING);
    }
    return MG_OK;
}

/* The header: { then \rtf or \rtf1 (Word takes anything after {\rt; we do not). */
static int rtf_header(struct rtf_walk *w, struct rtf_lexer *lx)
{
    struct rtf_tok t;
    int rc = rtf_next(lx, &t);
    if (rc == MG_OK && t.kind == RTF_TOK_OPEN)
        rc = rtf_next(lx, &t);
    if (rc != MG_OK || t.kind != RTF_TOK_WORD || t.off != 1 || strcmp(t.word, "rtf") != 0 ||
        (t.has_param && t.param != 1))
        return rtf_fail(w, MG_ERR_PARSE, "the file does not start with {\\rtf1");
    w->n = 1;
    memset(&w->fr[0], 0, sizeof(w->fr[0]));
    w->fr[0].mode = RM_KEEP;
    w->fr[0].uc = 1;
    w->fr[0].field = -1;
    w->fr[0].opened = true;
    rc = buf_puts(w->out, "{\\rtf1");
    w->delim = true;
    return rc;
}

static int rtf_walk(struct rtf_walk *w, const uint8_t *in, size_t len)
{
    struct rtf_lexer lx;
    struct rtf_tok t;
    rtf_lex_init(&lx, in, len);
    int rc = rtf_header(w, &lx);
    while (rc == MG_OK && w->n > 0) {
        if ((rc = rtf_next(&lx, &t)) != MG_OK)
            return rtf_fail(w, rc, "%s", lx.why);
        w->tok = &t;
        if (t.kind == RTF_TOK_EOF)
            return rtf_fail(w, MG_ERR_PARSE, "unbalanced braces: %u groups not closed", lx.depth);
        rc = rtf_token(w, &t);
    }
    w->tok = NULL;
    if (rc == MG_OK)
        rc = rtf_trailing(w, in + lx.off, len - lx.off);
    return rc;
}

static void rtf_report(struct rtf_walk *w)
{
    for (int c = 0; c < RC_COUNT; c++) {
        if (!w->count[c])
            continue;
        const char *ex = c == RC_FIELD ? w->fields : w->first[c];
        report_actionf(w->node, ACTION_REMOVED, rtf_count_text[c].why, "%s: %zu%s%s%s",
                       rtf_count_text[c].what, w->count[c], ex[0] ? " (" : "", ex,
                       ex[0] ? ")" : "");
    }
    report_action(w->node, ACTION_REWROTE, "document",
                  "written anew in canonical RTF from what the allowlists keep");
}

static struct rtf_walk *rtf_walk_new(struct san_ctx *ctx, struct report_node *node, struct buf *out,
                                     bool verify)
{
    struct rtf_walk *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->ctx = ctx;
    w->node = node;
    w->out = out;
    w->verify = verify;
    buf_init(&w->pict, out->max);
    return w;
}

static void rtf_walk_free(struct rtf_walk *w)
{
    if (w)
        buf_free(&w->pict);
    free(w);
}

int rtfsan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                    struct report_node *node)
{
    struct rtf_walk *w = rtf_walk_new(ctx, node, out, false);
    int rc = w ? rtf_walk(w, in, len) : MG_ERR_NOMEM;
    if (rc == MG_OK)
        rtf_report(w);
    else
        report_block(node, reason_from_err(rc), "RTF: %s", w && w->why[0] ? w->why : err_str(rc));
    rtf_walk_free(w);
    return rc;
}

int rtfsan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    struct buf again;
    struct report_node *node = report_new("verify");
    buf_init(&again, len + 1);
    struct rtf_walk *w = node ? rtf_walk_new(ctx, node, &again, true) : NULL;
    int rc = w ? rtf_walk(w, in, len) : MG_ERR_NOMEM;
    if (rc == MG_OK && (again.len != len || memcmp(again.data, in, len) != 0))
        rc = MG_ERR_VERIFY;
    rtf_walk_free(w);
    report_free(node);
    buf_free(&again);
    return rc == MG_OK ? MG_OK : MG_ERR_VERIFY;
}

int rtfsan_tables_sorted(void)
{
    for (size_t i = 1; i < sizeof(rtf_words) / sizeof(rtf_words[0]); i++)
        if (strcmp(rtf_words[i - 1], rtf_words[i]) >= 0)
            return 0;
    for (size_t i = 1; i < sizeof(rtf_dests) / sizeof(rtf_dests[0]); i++)
        if (strcmp(rtf_dests[i - 1].name, rtf_dests[i].name) >= 0)
            return 0;
    return 1;
}

/* Rewritten without objects, DDE and remote fields; pictures as members. */
static const struct san_type rtf_types[] = {
        {FT_RTF, FT_RTF, rtfsan_sanitize, rtfsan_verify, rtfsan_flatten},
};

const struct san_family san_family_rtf = {"rtf", SAN_TYPES(rtf_types), NULL};

"""Independent checks of a sanitized message against its original.

Everything here reads messages with Python's email package, decodes text
with Python's codecs and turns HTML into text with Python's html.parser:
never with Mugai's code. compare(original, output) returns a list of
problems (empty when the output is right):

  - the output parses, carries X-Mugai-Result, is 7-bit;
  - its Subject is what Python decodes from the original's;
  - the visible text of the original (the text parts a reader shows: one
    alternative per multipart/alternative, HTML converted to text) is in
    the output body: similarity >= 0.9 once white space is removed;
  - no U+FFFD in the output body where the original decodes cleanly;
  - every line of the original's text with Japanese in it is intact;
  - every named attachment of the original is attached again or named
    in a notice; so is every file uuencoded in its text (a reader shows
    those as attachments, and they are not part of the expected text);
  - attached messages (message/rfc822) are checked the same way, each
    against the sanitized message attached in its place.

Charsets: a part is decoded with its declared charset; when the bytes do
not fit it, strict UTF-8, then the other charsets the message declares,
then ISO-2022-JP, Shift_JIS (CP932) and EUC-JP, then Latin-1. Raw 8-bit
header text and raw 8-bit file names are decoded the same way.
"""
import base64
import binascii
import codecs
import difflib
import email
import email.header
import email.policy
import html.parser
import quopri
import re

SIMILARITY = 0.9
JP = re.compile("[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
WS = re.compile(r"\s+")


def parse(data):
    return email.message_from_bytes(data, policy=email.policy.default)


_FIELD = re.compile(rb"^[!-9;-~]+[ \t]*:")
_BOUNDARY = re.compile(rb'(?i)((?:^|[;\s])boundary[ \t]*=[ \t]*)([^"\s;]+)')


def reader_repair(data):
    """The original as mail readers (and GMime) take it where Python's
    email package gives up early, so that the expected text is the text a
    reader shows rather than raw MIME: a boundary with '=' or other
    specials left unquoted is quoted; inside a header block, a line that is
    no field and no continuation (broken folding) continues the field
    before it; white space before a field's colon (obsolete syntax) is
    dropped. Messages Python reads without such defects are unchanged."""
    data = _BOUNDARY.sub(lambda m: m.group(1) + b'"' + m.group(2) + b'"', data)
    delims = set(b"--" + m.group(2).strip(b'"') for m in
                 re.finditer(rb'(?i)(?:^|[;\s])boundary[ \t]*=[ \t]*("?)([^"\r\n;]+)\1', data))
    out, in_head, fields, nested = [], True, 0, False
    for line in data.splitlines(keepends=True):
        bare = line.rstrip(b"\r\n")
        if in_head:
            if not bare:
                in_head, fields = nested, 0
                nested = False
            elif _FIELD.match(bare) or bare[:1] in (b" ", b"\t"):
                fields += 1
                # Obsolete syntax "Name  : value": Python wants no space there.
                line = re.sub(rb"\A([!-9;-~]+)[ \t]+:", rb"\1:", line)
                if re.match(rb"(?i)content-type[ \t]*:[ \t]*message/", bare):
                    nested = True
            elif fields:
                line = b" " + line
        elif bare.rstrip(b" \t-") and any(bare.startswith(d) for d in delims):
            in_head, fields, nested = True, 0, False
        out.append(line)
    return b"".join(out)


def parse_as_reader(data):
    # Python's quoted-printable decoder knows no lone-CR soft line breaks,
    # and a UTF-8 BOM hides the first header from it.
    first = re.match(rb"[^\r\n]*(\r\n|\r|\n)", data)
    if first and first.group(1) == b"\r":
        data = re.sub(rb"\r(?!\n)", b"\n", data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # "From  : name" (obsolete syntax) is a field, which Python takes for
    # an mbox separator.
    data = re.sub(rb"\AFrom[ \t]+:", b"From:", data)
    msg = parse(data)
    defects = [d for p in msg.walk() for d in p.defects]
    if any(type(d).__name__ in ("MissingHeaderBodySeparatorDefect",
                                "StartBoundaryNotFoundDefect") for d in defects):
        msg = parse(reader_repair(data))
    return msg


# --- charsets ----------------------------------------------------------------

def _jis_to_sjis(j1, j2):
    s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
    if j1 & 1:
        s2 = j2 + (0x20 if j2 >= 0x60 else 0x1F)
    else:
        s2 = j2 + 0x7E
    return bytes((s1, s2))


def iso2022jp_ms(data):
    """ISO-2022-JP with the NEC/IBM extensions (CP50220), as Japanese mailers
    write it: Python's iso2022_jp refuses circled digits and the like, so
    the JIS X 0208 pairs are mapped to Shift_JIS and decoded as CP932."""
    out, mode, i = [], "ascii", 0
    while i < len(data):
        b = data[i]
        if b == 0x1B:
            seq = data[i + 1:i + 3]
            if seq in (b"(B", b"(J"):
                mode = "ascii"
            elif seq == b"(I":
                mode = "kana"
            elif seq in (b"$B", b"$@"):
                mode = "jis"
            else:
                raise UnicodeDecodeError("iso2022jp-ms", data, i, i + 1, "escape")
            i += 3
            continue
        if b >= 0x80:
            raise UnicodeDecodeError("iso2022jp-ms", data, i, i + 1, "8-bit")
        if mode == "jis" and b not in (0x0A, 0x0D):
            if i + 1 >= len(data):
                raise UnicodeDecodeError("iso2022jp-ms", data, i, i + 1, "truncated")
            out.append(_jis_to_sjis(b, data[i + 1]).decode("cp932"))
            i += 2
            continue
        if mode == "kana" and 0x21 <= b <= 0x5F:
            out.append(chr(0xFF61 + b - 0x21))
        else:
            out.append(chr(b))
        i += 1
    return "".join(out)


def _norm_cs(cs):
    cs = (cs or "").strip().strip('"').lower()
    return {"iso-2022-jp": "iso2022jp-ms", "csiso2022jp": "iso2022jp-ms",
            "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
            "windows-31j": "cp932", "ks_c_5601-1987": "cp949", "gb2312": "gbk",
            "iso-8859-1": "cp1252", "us-ascii": "ascii", "unicode-1-1-utf-7": "utf-7",
            # Visual/implicit/explicit variants of ISO-8859-6 and -8 (RFC 1555/1556):
            # the same characters, which Python knows only without the suffix.
            "iso-8859-8-i": "iso-8859-8", "iso-8859-8-e": "iso-8859-8",
            "iso-8859-6-i": "iso-8859-6", "iso-8859-6-e": "iso-8859-6"}.get(cs, cs)


def _try(data, cs):
    cs = _norm_cs(cs)
    if not cs:
        return None
    if cs == "iso2022jp-ms":
        try:
            return iso2022jp_ms(data)
        except UnicodeDecodeError:
            return None
    try:
        codecs.lookup(cs)
        return data.decode(cs)
    except (LookupError, UnicodeDecodeError):
        return None


def _japanese_plausible(t):
    """An undeclared Japanese reading: no user-defined (private use)
    characters, and kana, or mostly runs of two or more non-ASCII
    characters (Latin-1 read as CP932 gives single kanji between letters)."""
    if any("\ue000" <= c <= "\uf8ff" for c in t):
        return False
    if re.search("[\u3040-\u30ff]", t):
        return True
    runs = re.findall(r"[^\x00-\x7f]+", t)
    return sum(1 for r in runs if len(r) == 1) * 2 <= len(runs)


def decode_text(data, declared, others=()):
    """(text, charset used, clean). The declared reading when it fits; else
    strict UTF-8 (ISO-2022-JP for 7-bit text with escapes), the charsets the
    message declares, Shift_JIS and EUC-JP when plausible; else the declared
    reading with replacements when few bytes are bad, else Latin-1."""
    high = any(b >= 0x80 for b in data)
    dcl = _norm_cs(declared)
    if dcl in ("", "ascii") or _try(b"", dcl) is None:
        dcl = ""
    if not dcl and not high and b"\x1b" not in data:
        return data.decode("ascii"), "ascii", True
    if dcl and not (dcl == "iso2022jp-ms" and high):
        t = _try(data, dcl)
        if t is not None:
            return t, dcl, True
    tries = ["utf-8"] if high else (["iso-2022-jp"] if b"\x1b" in data else [])
    tries += [c for c in others if c and c != dcl] if high else []
    for cs in tries:
        t = _try(data, cs)
        if t is not None:
            return t, _norm_cs(cs), True
    if high:
        for cs in ("cp932", "euc-jp"):
            t = _try(data, cs)
            if t is not None and _japanese_plausible(t):
                return t, cs, True
    if dcl and dcl != "iso2022jp-ms":
        t = data.decode(dcl, "replace")
        nhigh = sum(1 for b in data if b >= 0x80)
        if not high or t.count("\ufffd") * 100 <= nhigh:
            return t, dcl, False
    if high:
        return data.decode("latin-1"), "latin-1", True
    return data.decode("ascii", "replace"), "ascii", False


def message_charsets(msg):
    out = []
    for p in msg.walk():
        cs = p.get_param("charset")
        if isinstance(cs, tuple):
            cs = cs[2] if len(cs) > 2 else None
        if cs and _norm_cs(cs) not in out and _norm_cs(cs) != "ascii":
            out.append(_norm_cs(cs))
    return out


def header_text(raw, others=()):
    """A raw header value as a reader shows it (RFC 2047 decoded)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw_b = raw.encode("ascii", "surrogateescape")
    else:
        raw_b = raw
    raw_s = raw_b.decode("latin-1")
    raw_s = re.sub(r"\r?\n[ \t]", " ", raw_s).replace("\r", "").replace("\n", "")
    out = []
    try:
        chunks = email.header.decode_header(raw_s)
    except Exception:
        chunks = [(raw_s, None)]
    for chunk, cs in chunks:
        if isinstance(chunk, str):
            chunk = chunk.encode("latin-1")
        if cs and cs != "unknown-8bit":
            t = _try(chunk, cs)
            if t is None:
                t = decode_text(chunk, None, others)[0]
        else:
            t = decode_text(chunk, None, others)[0]
        out.append(t)
    return "".join(out)


def raw_header(data, name):
    """The raw bytes of the first header field `name` of a raw message."""
    text = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if text.startswith(b"From "):
        text = text.split(b"\n", 1)[1] if b"\n" in text else b""
    head = text.split(b"\n\n", 1)[0]
    m = re.search(rb"(?im)^" + re.escape(name.encode()) + rb"[ \t]*:(.*(?:\n[ \t].*)*)", head)
    return m.group(1).strip() if m else None


# --- visible text ---------------------------------------------------------------

class _Html(html.parser.HTMLParser):
    SKIP = {"script", "style", "head", "title", "template", "object", "embed", "applet",
            "iframe", "frame", "noscript", "xml"}
    BREAK = {"p", "br", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
             "blockquote", "pre", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BREAK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip:
            self.skip -= 1

    def handle_data(self, d):
        if not self.skip:
            self.out.append(d)


def html_to_text(s):
    p = _Html()
    try:
        p.feed(s)
        p.close()
    except Exception:
        pass
    return "".join(p.out)


def all_parts(msg):
    """Every part, descending into attached messages."""
    for p in msg.walk():
        yield p
        if p.get_content_type() == "message/rfc822":
            for inner in p.iter_parts():
                yield from all_parts(inner)


def released_checks(msg, leaf_bytes, looks_executable):
    """What every released message must pass, as (ok, what) pairs, part by
    part: no text/html part, no multipart/alternative, and in each leaf
    (its bytes from leaf_bytes(part)) nothing looks_executable nor a script."""
    for p in all_parts(msg):
        ct = p.get_content_type()
        yield ct != "text/html", "no text/html part"
        yield ct != "multipart/alternative", "no multipart/alternative"
        if p.is_multipart() or ct == "message/rfc822":
            continue
        data = leaf_bytes(p)
        yield not looks_executable(data), "no executable in part %s" % ct
        yield b"<script" not in data.lower(), "no script in part %s" % ct


def is_attachment(p):
    return p.get_content_disposition() == "attachment" or p.get_filename() is not None


def _b64_clean(p):
    if (p.get("Content-Transfer-Encoding") or "").strip().lower() != "base64":
        return True
    raw = p.get_payload(decode=False)
    if isinstance(raw, str):
        raw = raw.encode("ascii", "surrogateescape")
    raw = re.sub(rb"\s+", b"", raw or b"")
    try:
        base64.b64decode(raw, validate=True)
        return True
    except Exception:
        return False


def _pick_alternative(kids):
    def textual(p, sub):
        return (not p.is_multipart() and p.get_content_type() == "text/" + sub
                and not is_attachment(p))
    for clean in (True, False):
        for sub in ("plain", "html"):
            for k in kids:
                if textual(k, sub) and (not clean or _b64_clean(k)):
                    return k
    for k in kids:
        if k.is_multipart():
            return k
    return None


def _payload_bytes(p):
    try:
        data = p.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        raw = p.get_payload(decode=False)
        data = raw.encode("ascii", "surrogateescape") if isinstance(raw, str) else b""
    return data


def _unsplit(p):
    """A multipart Python could not split: its payload is the text."""
    return p.get_content_maintype() == "multipart" and not p.is_multipart()


MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"MZ", b"\x7fELF")


def looks_binary(data):
    """A part labelled text whose content is a file: a reader does not show
    it as text (Mugai handles it as an attachment)."""
    ctl = sum(1 for b in data if b < 0x20 and b not in (9, 10, 12, 13, 27))
    return data.startswith(MAGIC) or ctl * 50 > len(data)


def text_parts(msg):
    """The leaves a reader shows as the message text, in order."""
    out = []

    def walk(p, depth=0):
        if depth > 60:
            return
        ct = p.get_content_type()
        if ct == "message/rfc822" or p.get_content_maintype() == "message":
            return
        if p.is_multipart():
            kids = p.get_payload()
            if ct == "multipart/alternative":
                k = _pick_alternative(kids)
                if k is not None:
                    walk(k, depth + 1)
                return
            if ct == "multipart/related" and kids:
                walk(kids[0], depth + 1)
                return
            if ct == "multipart/signed" and kids:
                walk(kids[0], depth + 1)
                return
            for k in kids:
                walk(k, depth + 1)
            return
        if _unsplit(p) or (ct in ("text/plain", "text/html") and not is_attachment(p)
                           and not looks_binary(_payload_bytes(p))):
            out.append(p)

    walk(msg)
    return out


_UU_BEGIN = re.compile(r"^begin[ \t]+[0-7]{3,4}(?:[ \t]+(.*?))?[ \t]*$")


def split_uuencoded(text):
    """(text without its uuencoded blocks, [their file names]): a reader
    (Outlook, Thunderbird, Eudora) shows a block from "begin MODE NAME" to
    "end" as an attachment, not as text. A block counts when its first data
    line decodes as uuencode (binascii, not Mugai)."""
    lines = text.splitlines(keepends=True)
    out, names, i = [], [], 0
    while i < len(lines):
        m = _UU_BEGIN.match(lines[i].rstrip("\r\n"))
        if m and i + 1 < len(lines):
            j = i + 1
            while j < len(lines) and lines[j].rstrip("\r\n ").rstrip() != "end":
                j += 1
            try:
                binascii.a2b_uu(lines[i + 1].rstrip("\r\n"))
                ok = j < len(lines)
            except (binascii.Error, ValueError):
                ok = False
            if ok:
                names.append((m.group(1) or "").strip())
                i = j + 1
                continue
        out.append(lines[i])
        i += 1
    return "".join(out), names


def visible_text(msg):
    """(text, clean): the text a reader sees; clean when every part decoded."""
    others = message_charsets(msg)
    texts, clean = [], True
    for p in text_parts(msg):
        data = _payload_bytes(p)
        t, _, ok = decode_text(data, p.get_param("charset") if not _unsplit(p) else None, others)
        clean = clean and ok
        if p.get_content_type() == "text/html":
            t = html_to_text(t)
        else:
            t = split_uuencoded(t)[0]
        texts.append(t)
    return "\n".join(texts), clean


def uuencoded_names(msg):
    """Names of the files uuencoded inside the text parts a reader shows."""
    others = message_charsets(msg)
    names = []
    for p in text_parts(msg):
        if p.get_content_type() != "text/html":
            t = decode_text(_payload_bytes(p), p.get_param("charset") if not _unsplit(p) else None,
                            others)[0]
            names += [n for n in split_uuencoded(t)[1] if n]
    return names


def similarity(expected, got):
    e = WS.sub("", expected).replace("\ufffd", "")
    g = WS.sub("", got)
    if not e:
        return 1.0
    if len(e) > 20000:
        chunks = [e[i:i + 100] for i in range(0, len(e), 100)]
        return sum(1 for c in chunks if c in g) / len(chunks)
    sm = difflib.SequenceMatcher(None, e, g, autojunk=False)
    return sum(b.size for b in sm.get_matching_blocks()) / len(e)


# --- the comparison ----------------------------------------------------------------

def body_of(msg):
    b = msg.get_body(preferencelist=("plain",))
    if b is None:
        return ""
    try:
        return b.get_content()
    except Exception:
        return (b.get_payload(decode=True) or b"").decode("utf-8", "replace")


def attachments(msg):
    return [p for p in msg.iter_parts() if p.get_content_disposition() == "attachment"] \
        if msg.is_multipart() else []


def _raw_param(p, field, param):
    """The raw bytes of a parameter of a part's header field, or None."""
    for k, v in p.raw_items():
        if k.lower() != field:
            continue
        m = re.search(r'(?is)(?:^|;)\s*' + param + r'\s*=\s*("([^"]*)"|[^;\s]+)', str(v))
        if m:
            val = m.group(2) if m.group(2) is not None else m.group(1)
            return val.encode("ascii", "surrogateescape")
    return None


def filename(p, others=()):
    """A part's file name as a reader shows it: Python's reading, except that
    raw 8-bit bytes (which Python turns into U+FFFD) are decoded like raw
    header text (strict UTF-8, the message's charsets, Japanese, Latin-1)."""
    try:
        n = p.get_filename()
    except Exception:
        n = None
    if n and "\ufffd" in n:
        raw = _raw_param(p, "content-disposition", "filename") or \
            _raw_param(p, "content-type", "name")
        if raw and any(b >= 0x80 for b in raw):
            n = header_text(raw, others)
    return n


def named_leaves(msg):
    """Names of the original's attachments, outside attached messages: one
    tuple per file of the names a reader may show for it (the
    Content-Disposition filename, else or also the Content-Type name; an
    unquoted filename with a special such as "/" is read differently by
    different readers)."""
    names = []
    others = message_charsets(msg)

    def walk(p, depth=0):
        if depth > 60:
            return
        if p.get_content_type() == "message/rfc822":
            return
        if p.is_multipart():
            for k in p.get_payload():
                walk(k, depth + 1)
            return
        if is_attachment(p):
            n = filename(p, others)
            if n and p.get_content_type() not in ("application/pkcs7-signature",
                                                   "application/x-pkcs7-signature",
                                                   "application/pgp-signature"):
                alt = [n]
                try:
                    ctn = p.get_param("name")
                except Exception:
                    ctn = None
                if isinstance(ctn, str) and ctn and ctn != n and "\ufffd" not in ctn:
                    alt.append(ctn)
                names.append(tuple(alt))

    walk(msg)
    return names + [(n,) for n in uuencoded_names(msg)]


def inner_messages(msg):
    out = []

    def walk(p, depth=0):
        if depth > 60:
            return
        if p.get_content_type() == "message/rfc822":
            kids = p.get_payload()
            cte = (p.get("Content-Transfer-Encoding") or "").strip().lower()
            if (cte in ("base64", "quoted-printable") and isinstance(kids, list) and kids
                    and not len(kids[0].keys())):
                # Against RFC 2046, but real (SwiftMailer): readers decode
                # the attached message first. Python parses the encoded text.
                enc = kids[0].get_payload(decode=False)
                enc = enc.encode("ascii", "surrogateescape") if isinstance(enc, str) else b""
                try:
                    raw = (base64.b64decode(re.sub(rb"\s+", b"", enc)) if cte == "base64"
                           else quopri.decodestring(enc))
                    kids = [parse_as_reader(raw)]
                except (binascii.Error, ValueError):
                    pass
            if isinstance(kids, list) and kids and (len(kids[0].keys()) or
                                                    kids[0].get_payload()):
                out.append(kids[0])
            return
        if p.is_multipart():
            for k in p.get_payload():
                walk(k, depth + 1)

    walk(msg)
    return out


def compare(orig_bytes, out_bytes, label="", _orig_msg=None, _out_msg=None, depth=0):
    probs = []

    def bad(what):
        probs.append("%s: %s" % (label, what))

    out = _out_msg if _out_msg is not None else parse(out_bytes)
    orig = _orig_msg if _orig_msg is not None else parse_as_reader(orig_bytes)
    if out_bytes is not None:
        if any(b >= 0x80 for b in out_bytes):
            bad("output is not 7-bit")
    if out["X-Mugai-Result"] is None:
        bad("no X-Mugai-Result")
    others = message_charsets(orig)

    # Subject
    raw_subj = raw_header(orig_bytes, "Subject") if orig_bytes is not None else None
    if raw_subj is None and orig_bytes is None:
        try:
            rs = orig.get("Subject")
            raw_subj = str(rs).encode("utf-8") if rs is not None else None
            want = str(rs) if rs is not None else None
        except Exception:
            want = None
    else:
        want = header_text(raw_subj, others) if raw_subj is not None else None
    got = str(out["Subject"]) if out["Subject"] is not None else None
    if want is not None and WS.sub(" ", want).strip():
        if got is None or WS.sub("", got) != WS.sub("", want):
            bad("subject %r, expected %r" % (got, want))

    # Text
    exp, clean = visible_text(orig)
    body = body_of(out)
    sim = similarity(exp, body)
    if sim < SIMILARITY:
        bad("visible text similarity %.2f (expected %d chars, body %d chars)" %
            (sim, len(WS.sub("", exp)), len(WS.sub("", body))))
    if WS.sub("", exp) and not WS.sub("", body):
        bad("body empty while the original has text")
    if clean and "\ufffd" not in exp and "\ufffd" in body:
        bad("U+FFFD in the body where the original decodes cleanly")
    flat = WS.sub("", body)
    for line in exp.splitlines():
        if JP.search(line):
            ln = WS.sub("", line)
            if ln and ln not in flat:
                bad("Japanese line not intact: %r" % line[:80])
                break

    # Attachments: released again or named in a notice.
    out_atts = attachments(out)
    out_names = []
    for a in out_atts:
        try:
            out_names.append(a.get_filename() or "")
        except Exception:
            out_names.append("")
    def released(n):
        n = n.replace("\ufffd", "")
        stem = n.rsplit(".", 1)[0] if "." in n else n
        clean_n = "".join(c for c in n if c >= " " and c not in "/\\")
        # Released under its name with the extension made that of the
        # released type: kept, replaced (a.docm -> a.docx, x.xml.gz ->
        # x.txt) or appended (meeting.rdp -> meeting.rdp.txt).
        base = n.split(".", 1)[0]
        return (n in out_names or clean_n in out_names
                or any(o.rsplit(".", 1)[0] in (stem, n, clean_n) for o in out_names if o)
                or (base and any(o.split(".", 1)[0] == base for o in out_names if o))
                or clean_n in body or n in body)

    for alt in named_leaves(orig):
        if not any(released(n) for n in alt):
            bad("attachment %r neither released nor named in a notice (released: %r)" %
                (alt[0].replace("\ufffd", ""), out_names))
    # A file uuencoded in the text is cut out (released or removed), never
    # left in the body, whatever its name (an empty one included).
    left = split_uuencoded(body)[1]
    if left:
        bad("uuencoded data left in the body (names %r)" % left)

    # Attached messages, in order.
    if depth < 5:
        oi = inner_messages(orig)
        gi = [a for a in out_atts if a.get_content_type() == "message/rfc822"]
        noticed = body.count("was removed")
        if len(gi) + noticed < len(oi):
            bad("%d attached messages, %d in the output and %d removed with a notice" %
                (len(oi), len(gi), noticed))
        elif len(gi) == len(oi):
            for k, (im, gm) in enumerate(zip(oi, gi)):
                inner_out = gm.get_payload()[0] if isinstance(gm.get_payload(), list) else None
                if inner_out is None:
                    bad("attached message %d is empty" % k)
                    continue
                probs += compare(None, None, "%s/msg%d" % (label, k), im, inner_out, depth + 1)
    return probs

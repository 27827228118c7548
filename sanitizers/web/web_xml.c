/*
 * web_xml - SVG images rebuilt through an allowlist, generic XML checked
 * and re-serialized (see websan.h).
 *
 * Both are parsed by libxml2 from our own UTF-8 decoding with the network
 * off, no DTD loaded, no default attributes from a DTD and no entity
 * substituted, so an external entity or a DTD fetch cannot happen and an
 * entity reference stays a reference (which, without a DOCTYPE to declare
 * it, is a parse error: blocked).
 *
 * SVG is written element by element from constant names (unprefixed, in
 * the SVG namespace declared on the root, xlink declared with it);
 * anything in another namespace goes with its content, since a browser
 * renders no text of an unknown element. Generic XML has no allowlist of
 * names, so it is released only when nothing in it is in a namespace a
 * browser acts on; its processing instructions (xml-stylesheet can apply
 * XSLT with script) are removed and the tree is written by libxml2.
 */
#include "err.h"
#include "utf8.h"
#include "web_common.h"
#include "websan.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <limits.h>
#include <string.h>

#define XML_OPTS                                                                                   \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC |            \
     XML_PARSE_COMPACT)

#define NS_SVG   "http://www.w3.org/2000/svg"
#define NS_XLINK "http://www.w3.org/1999/xlink"
#define NS_XML   "http://www.w3.org/XML/1998/namespace"

static const char *const svg_keep[] = {"svg",
                                       "g",
                                       "defs",
                                       "desc",
                                       "title",
                                       "symbol",
                                       "use",
                                       "image",
                                       "switch",
                                       "path",
                                       "rect",
                                       "circle",
                                       "ellipse",
                                       "line",
                                       "polyline",
                                       "polygon",
                                       "text",
                                       "tspan",
                                       "textPath",
                                       "marker",
                                       "pattern",
                                       "clipPath",
                                       "mask",
                                       "linearGradient",
                                       "radialGradient",
                                       "stop",
                                       "filter",
                                       "feBlend",
                                       "feColorMatrix",
                                       "feComponentTransfer",
                                       "feComposite",
                                       "feConvolveMatrix",
                                       "feDiffuseLighting",
                                       "feDisplacementMap",
                                       "feDistantLight",
                                       "feDropShadow",
                                       "feFlood",
                                       "feFuncA",
                                       "feFuncB",
                                       "feFuncG",
                                       "feFuncR",
                                       "feGaussianBlur",
                                       "feImage",
                                       "feMerge",
                                       "feMergeNode",
                                       "feMorphology",
                                       "feOffset",
                                       "fePointLight",
                                       "feSpecularLighting",
                                       "feSpotLight",
                                       "feTile",
                                       "feTurbulence",
                                       "view",
                                       "a",
                                       "style",
                                       NULL};
static const char *const svg_anim[] = {"animate",       "set",          "animateTransform",
                                       "animateMotion", "animateColor", NULL};
static const char *const svg_script[] = {"script", "foreignObject", "handler", "listener", "iframe",
                                         "object", "embed",         "video",   "audio",    NULL};
/* Presentation and geometry attributes (no namespace). */
static const char *const svg_attrs[] = {
        "id", "class", "transform", "x", "y", "width", "height", "rx", "ry", "cx", "cy", "r", "x1",
        "y1", "x2", "y2", "d", "points", "viewBox", "preserveAspectRatio", "fill", "fill-opacity",
        "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
        "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity",
        "color", "display", "visibility", "font-family", "font-size", "font-style", "font-weight",
        "font-variant", "font-stretch", "text-anchor", "dominant-baseline", "alignment-baseline",
        "baseline-shift", "letter-spacing", "word-spacing", "text-decoration", "writing-mode",
        "direction", "unicode-bidi", "dx", "dy", "rotate", "textLength", "lengthAdjust",
        "startOffset", "method", "spacing", "offset", "stop-color", "stop-opacity", "gradientUnits",
        "gradientTransform", "spreadMethod", "fx", "fy", "fr", "patternUnits",
        "patternContentUnits", "patternTransform", "clip-path", "clip-rule", "clipPathUnits",
        "mask", "maskUnits", "maskContentUnits", "filter", "filterUnits", "primitiveUnits", "in",
        "in2", "result", "stdDeviation", "operator", "k1", "k2", "k3", "k4", "mode", "values",
        "type", "tableValues", "slope", "intercept", "amplitude", "exponent", "baseFrequency",
        "numOctaves", "seed", "stitchTiles", "scale", "xChannelSelector", "yChannelSelector",
        "kernelMatrix", "order", "divisor", "bias", "targetX", "targetY", "edgeMode",
        "kernelUnitLength", "preserveAlpha", "surfaceScale", "diffuseConstant", "specularConstant",
        "specularExponent", "azimuth", "elevation", "z", "pointsAtX", "pointsAtY", "pointsAtZ",
        "limitingConeAngle", "lighting-color", "flood-color", "flood-opacity", "radius",
        "markerWidth", "markerHeight", "markerUnits", "orient", "refX", "refY", "marker-start",
        "marker-mid", "marker-end", "version", "baseProfile", "overflow", "clip", "shape-rendering",
        "text-rendering", "image-rendering", "color-interpolation", "color-interpolation-filters",
        "color-rendering", "vector-effect", "pathLength", "systemLanguage", "paint-order",
        "mix-blend-mode", "isolation", "lang", "tabindex", "focusable",
        /* animation timing, on animation elements only (see svg_anim_ok) */
        "attributeName", "attributeType", "begin", "dur", "end", "repeatCount", "repeatDur",
        "calcMode", "keyTimes", "keySplines", "keyPoints", "additive", "accumulate", "restart",
        "min", "max", "from", "to", "by", "path", NULL};
/* Attributes an animation may change: never a reference, a handler or style. */
static const char *const svg_anim_targets[] = {"fill",
                                               "stroke",
                                               "opacity",
                                               "fill-opacity",
                                               "stroke-opacity",
                                               "stroke-width",
                                               "transform",
                                               "x",
                                               "y",
                                               "width",
                                               "height",
                                               "r",
                                               "rx",
                                               "ry",
                                               "cx",
                                               "cy",
                                               "x1",
                                               "y1",
                                               "x2",
                                               "y2",
                                               "d",
                                               "points",
                                               "visibility",
                                               "display",
                                               "offset",
                                               "stop-color",
                                               "stop-opacity",
                                               "font-size",
                                               "color",
                                               "stroke-dasharray",
                                               "stroke-dashoffset",
                                               "viewBox",
                                               NULL};

struct web_xml_stats {
    unsigned scripts, handlers, refs, anims, foreign, styles, css, comments, pis, attrs;
};

struct xw {
    struct web_writer w;
    struct web_xml_stats st;
};

static bool ns_is(const xmlNs *ns, const char *href)
{
    return ns && ns->href && strcmp((const char *)ns->href, href) == 0;
}

/* An animation is kept when it changes a plain presentation attribute to plain values. */
static bool svg_anim_ok(xmlNodePtr n)
{
    static const char *const vals[] = {"from", "to", "by", "values"};
    xmlChar *target = xmlGetNoNsProp(n, (const xmlChar *)"attributeName");
    bool ok = target && web_in((const char *)target, svg_anim_targets);
    xmlFree(target);
    for (size_t i = 0; ok && i < sizeof(vals) / sizeof(vals[0]); i++) {
        xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)vals[i]);
        if (v && (strchr((const char *)v, ':') || !web_css_value_ok((const char *)v, true)))
            ok = false;
        xmlFree(v);
    }
    return ok;
}

static void xw_attr(struct xw *x, const char *elem, xmlAttrPtr a)
{
    const char *an = (const char *)a->name;
    xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
    const char *val = v ? (const char *)v : "";
    const char *name = NULL;
    bool image = strcmp(elem, "image") == 0 || strcmp(elem, "feImage") == 0;

    if (web_is_handler(an)) {
        x->st.handlers++;
    } else if (strcmp(an, "href") == 0 && (a->ns == NULL || ns_is(a->ns, NS_XLINK))) {
        if (web_url_ok(val, image ? WEB_URL_LOCAL_IMG : WEB_URL_LOCAL))
            name = a->ns ? "xlink:href" : "href";
        else
            x->st.refs++;
    } else if (a->ns == NULL && strcmp(an, "style") == 0) {
        x->st.css += web_put_style_attr(&x->w, val, true);
        xmlFree(v);
        return;
    } else if (ns_is(a->ns, NS_XML) && (strcmp(an, "space") == 0 || strcmp(an, "lang") == 0)) {
        name = strcmp(an, "space") == 0 ? "xml:space" : "xml:lang";
    } else if (a->ns == NULL && (name = web_find(an, svg_attrs, false)) != NULL) {
        if (!web_css_value_ok(val, true)) {
            x->st.refs++;
            name = NULL;
        }
    } else {
        x->st.attrs++;
    }
    if (name)
        web_put_attr(&x->w, name, val);
    else if (x->w.verify)
        x->w.bad = true;
    xmlFree(v);
}

static void xw_nodes(struct xw *x, xmlNodePtr n);

static void xw_element(struct xw *x, xmlNodePtr n, bool root)
{
    const char *nm = (const char *)n->name;
    const char *keep = NULL;
    bool svg_ns = n->ns == NULL || ns_is(n->ns, NS_SVG);

    if (svg_ns && strcmp(nm, "style") == 0) {
        xmlChar *css = xmlNodeGetContent(n);
        if (!web_put_sheet(&x->w, css ? (const char *)css : "", true, true))
            x->st.styles++;
        xmlFree(css);
        return;
    }
    if (svg_ns)
        keep = web_find(nm, svg_keep, false);
    if (svg_ns && !keep && web_find(nm, svg_anim, false)) {
        keep = svg_anim_ok(n) ? web_find(nm, svg_anim, false) : NULL;
        x->st.anims += keep == NULL;
    } else if (!keep) {
        if (svg_ns && web_find(nm, svg_script, false))
            x->st.scripts++;
        else
            x->st.foreign++;
    }
    if (!keep) {
        if (x->w.verify)
            x->w.bad = true;
        return;
    }
    web_put(&x->w, "<");
    web_put(&x->w, keep);
    if (root)
        web_put(&x->w, " xmlns=\"" NS_SVG "\" xmlns:xlink=\"" NS_XLINK "\"");
    for (xmlAttrPtr a = n->properties; a && x->w.rc == MG_OK; a = a->next)
        xw_attr(x, keep, a);
    web_put(&x->w, ">");
    xw_nodes(x, n->children);
    web_put_end(&x->w, keep);
}

static void xw_nodes(struct xw *x, xmlNodePtr n)
{
    web_enter(&x->w);
    for (; n && x->w.rc == MG_OK; n = n->next) {
        switch (n->type) {
        case XML_ELEMENT_NODE:
            xw_element(x, n, false);
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (n->content)
                web_put_escaped(&x->w, (const char *)n->content, false);
            break;
        case XML_COMMENT_NODE:
            x->st.comments++;
            break;
        case XML_PI_NODE:
            x->st.pis++;
            if (x->w.verify)
                x->w.bad = true;
            break;
        default:
            /* Entity references: none can parse without a DOCTYPE. */
            x->w.bad = true;
            break;
        }
    }
    web_leave(&x->w);
}

static xmlDocPtr xw_parse(const struct buf *u)
{
    if (u->len >= INT_MAX)
        return NULL;
    return xmlReadMemory(u->len ? (const char *)u->data : "", (int)u->len, NULL, "UTF-8", XML_OPTS);
}

/* The document as UTF-8 and parsed, or a block in the report (node may be NULL). */
static int xw_load(const uint8_t *in, size_t len, size_t cap, const char *what, xmlDocPtr *doc,
                   char *cs, size_t *bad, struct report_node *node)
{
    struct buf u;
    buf_init(&u, cap);
    int rc = web_decode_report(in, len, true, &u, cs, bad, node, what);
    *doc = NULL;
    if (rc == MG_OK && (*doc = xw_parse(&u)) == NULL) {
        rc = MG_ERR_PARSE;
        if (node)
            report_block(node, REASON_PARSE_ERROR,
                         "%s is not well-formed (undeclared entities and DTD content included)",
                         what);
    }
    buf_free(&u);
    return rc;
}

/* A DOCTYPE with declarations in it (entities, billion laughs, XXE). */
static bool xw_subset_has_decls(xmlDocPtr doc)
{
    xmlDtdPtr d = doc->intSubset;
    return d && (d->children || d->entities || d->elements || d->attributes || d->pentities);
}

static int xw_report(struct report_node *node, const struct web_xml_stats *st, const char *cs,
                     size_t bad, bool doctype)
{
    const struct web_removed rows[] = {
            {st->scripts, "script, foreignObject or embedded content element(s)",
             "they run script or render HTML"},
            {st->handlers, "event handler attribute(s) (on...)", "they run script"},
            {st->refs, "reference(s) outside the file (href, xlink:href, url())",
             "external references fetch resources or run javascript: URLs"},
            {st->anims, "animation(s) of a reference, handler or style, or with URL values",
             "an animation can turn a link into javascript:"},
            {st->foreign, "element(s) not in the SVG allowlist or in another namespace",
             "only known SVG elements are written"},
            {st->styles,
             "style sheet(s) with expression(), @import, escapes or url() outside "
             "the file",
             "CSS can fetch resources"},
            {st->css, "style declaration(s) with url() outside the file or script",
             "CSS can fetch resources"},
            {st->pis, "processing instruction(s)", "xml-stylesheet applies outside code"},
            {st->attrs, "attribute(s) not in the allowlist", "only known attributes are written"},
            {doctype ? 1u : 0u, "DOCTYPE", "a DTD reference is never needed to draw"},
    };
    return web_report(node, rows, sizeof(rows) / sizeof(rows[0]), "one encoding for every document",
                      cs, bad);
}

static void xw_svg(struct xw *x, xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "svg") != 0 ||
        (root->ns && !ns_is(root->ns, NS_SVG))) {
        x->w.bad = true;
        return;
    }
    web_put(&x->w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    for (xmlNodePtr n = doc->children; n; n = n->next)
        if (n->type == XML_PI_NODE)
            x->st.pis++;
    x->w.depth = 1;
    xw_element(x, root, true);
    web_put(&x->w, "\n");
}

int websan_svg_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                        struct report_node *node)
{
    char cs[WEB_CHARSET_MAX];
    size_t bad = 0;
    xmlDocPtr doc;
    struct xw x = {.w = {.out = out, .rc = MG_OK}};
    (void)ctx;

    int rc = xw_load(in, len, out->max, "SVG", &doc, cs, &bad, node);
    if (rc != MG_OK)
        return rc;
    if (xw_subset_has_decls(doc)) {
        rc = MG_ERR_BLOCKED;
        report_block(node, REASON_ACTIVE_CONTENT,
                     "SVG with a DOCTYPE internal subset (entity declarations)");
        goto out;
    }
    xw_svg(&x, doc);
    rc = x.w.rc;
    if (rc == MG_OK && x.w.bad) {
        rc = MG_ERR_PARSE;
        report_block(node, REASON_PARSE_ERROR, "the root element is not svg in the SVG namespace");
    }
    if (rc == MG_OK)
        rc = xw_report(node, &x.st, cs, bad, doc->intSubset != NULL);
out:
    xmlFreeDoc(doc);
    return rc;
}

int websan_svg_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    char cs[WEB_CHARSET_MAX];
    size_t bad = 0;
    xmlDocPtr doc;
    struct buf scratch;
    struct xw x = {.w = {.out = &scratch, .rc = MG_OK, .verify = true}};
    (void)ctx;

    if (!utf8_valid(in, len) || xw_load(in, len, len + 1, "SVG", &doc, cs, &bad, NULL) != MG_OK)
        return MG_ERR_VERIFY;
    buf_init(&scratch, 4 * len + 4096);
    if (doc->intSubset == NULL)
        xw_svg(&x, doc);
    int rc = doc->intSubset == NULL && x.w.rc == MG_OK && !x.w.bad && x.st.pis == 0 && bad == 0
                     ? MG_OK
                     : MG_ERR_VERIFY;
    buf_free(&scratch);
    xmlFreeDoc(doc);
    return rc;
}

/* ---- generic XML ---- */

/* Namespaces a browser or an XML tool acts on: markup that renders or runs, links, includes. */
static bool xml_active_ns(const xmlNs *ns)
{
    static const char *const active[] = {
            "http://www.w3.org/1999/xhtml", NS_SVG, NS_XLINK, "http://www.w3.org/1998/Math/MathML",
            "http://www.w3.org/1999/XSL/Transform", "http://www.w3.org/2001/XInclude",
            "http://www.w3.org/2003/XInclude", "urn:schemas-microsoft-com:vml",
            "http://www.mozilla.org/keymaster/gatekeeper/there.is.only.xul",
            /* KML: network links that Google Earth fetches */
            "http://www.opengis.net/kml/2.2", "http://earth.google.com/kml/2.0",
            "http://earth.google.com/kml/2.1", "http://earth.google.com/kml/2.2", NULL};
    return ns && ns->href && web_in((const char *)ns->href, active);
}

/* Remove processing instructions; count them; find active namespaces. */
static int xml_walk(xmlNodePtr n, unsigned depth, unsigned *pis, bool *active)
{
    if (depth > WEB_DEPTH_MAX)
        return MG_ERR_LIMIT;
    while (n) {
        xmlNodePtr next = n->next;
        if (n->type == XML_PI_NODE) {
            (*pis)++;
            xmlUnlinkNode(n);
            xmlFreeNode(n);
        } else if (n->type == XML_ELEMENT_NODE) {
            if (xml_active_ns(n->ns))
                *active = true;
            for (xmlAttrPtr a = n->properties; a; a = a->next)
                if (xml_active_ns(a->ns))
                    *active = true;
            int rc = xml_walk(n->children, depth + 1, pis, active);
            if (rc != MG_OK)
                return rc;
        } else if (n->type == XML_ENTITY_REF_NODE) {
            *active = true;
        }
        n = next;
    }
    return MG_OK;
}

int websan_xml_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                        struct report_node *node)
{
    char cs[WEB_CHARSET_MAX];
    size_t bad = 0;
    xmlDocPtr doc;
    unsigned pis = 0;
    bool active = false;
    xmlChar *mem = NULL;
    int size = 0;
    (void)ctx;

    int rc = xw_load(in, len, out->max, "XML", &doc, cs, &bad, node);
    if (rc != MG_OK)
        return rc;
    if (doc->intSubset) {
        rc = MG_ERR_BLOCKED;
        report_block(node, REASON_ACTIVE_CONTENT,
                     "XML with a DOCTYPE (DTDs and entities are not released)");
        goto out;
    }
    rc = xml_walk(doc->children, 0, &pis, &active);
    if (rc == MG_OK && active) {
        rc = MG_ERR_BLOCKED;
        report_block(node, REASON_ACTIVE_CONTENT,
                     "XML using XHTML, SVG, XLink, MathML, XSLT, XInclude, VML, XUL or KML markup, "
                     "which "
                     "a browser renders or runs");
        goto out;
    }
    if (rc == MG_OK) {
        xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
        rc = mem && size >= 0 ? buf_append(out, mem, (size_t)size) : MG_ERR_NOMEM;
    }
    if (rc == MG_OK && pis)
        rc = report_actionf(node, ACTION_REMOVED, "xml-stylesheet applies outside code",
                            "%u processing instruction(s)", pis);
    if (rc == MG_OK)
        rc = web_report_utf8(node, "one encoding for every document", cs, bad);
out:
    xmlFree(mem);
    xmlFreeDoc(doc);
    return rc;
}

int websan_xml_verify(struct san_ctx *ctx, const uint8_t *in, size_t len)
{
    char cs[WEB_CHARSET_MAX];
    size_t bad = 0;
    xmlDocPtr doc;
    unsigned pis = 0;
    bool active = false;
    (void)ctx;

    if (!utf8_valid(in, len) || xw_load(in, len, len + 1, "XML", &doc, cs, &bad, NULL) != MG_OK)
        return MG_ERR_VERIFY;
    int rc = doc->intSubset == NULL && xmlDocGetRootElement(doc) != NULL &&
                             xml_walk(doc->children, 0, &pis, &active) == MG_OK && !active &&
                             pis == 0 && bad == 0
                     ? MG_OK
                     : MG_ERR_VERIFY;
    xmlFreeDoc(doc);
    return rc;
}

int websan_global_init(void)
{
    xmlInitParser();
    return MG_OK;
}

/*
 * msofficesan - Word, Excel and PowerPoint 97-2003 (doc, xls, ppt and
 * their templates dot, xlt, pot) sanitizer: rebuild the compound file from
 * the streams the document needs, without active content.
 *
 * Kept, as streams of a new compound file (formats/cfb): Word's
 * WordDocument, the table stream its FIB names, Data; Excel's Workbook
 * (BIFF8); PowerPoint's PowerPoint Document, Current User, Pictures; and
 * for each \x05SummaryInformation, \x05DocumentSummaryInformation and
 * \x01CompObj. Everything else is dropped and reported: VBA projects
 * (Macros, _VBA_PROJECT_CUR, any storage holding VBA), ObjectPool and
 * other embedded OLE objects (\x01Ole10Native, Equation Native), data
 * stores, signatures, unknown streams and storages.
 *
 * Inside the kept streams:
 *   Excel: Excel 4.0 (XLM) macro sheets and VB module sheets become empty
 *   worksheets of the same name and visibility (sheet indexes stay valid);
 *   Auto_Open, Auto_Close, Auto_Activate, Auto_Deactivate names (built-in
 *   or spelled out) and command-macro names are renamed and point to
 *   #REF!; stream offsets (BOUNDSHEET, EXTSST, INDEX) are rewritten. DDE
 *   and OLE links and external workbook links cannot be taken out yet: the
 *   file is held.
 *   Word: fields whose keyword is not on an allowlist of fields that only
 *   compute or show document data (DDE, DDEAUTO, INCLUDETEXT,
 *   INCLUDEPICTURE, INCLUDE, LINK, IMPORT, EMBED, MACROBUTTON, DATABASE,
 *   HYPERLINK to other than http/https/mailto, a keyword built by a nested
 *   field, ...) have their instruction blanked and the field locked: the
 *   cached result stays, lengths and positions do not change. A remote
 *   attached template (UNC path, URL) is blanked the same way.
 *   Summary property sets: only plain properties stay (the thumbnail
 *   picture, blobs and objects go).
 *   PowerPoint: macro, program and OLE actions become "no action";
 *   hyperlinks with other schemes are blanked. Embedded OLE objects,
 *   ActiveX controls and VBA projects (ExOleObjStg) cannot be taken out
 *   yet: the file is held.
 * Encrypted files (EncryptionInfo, Word's fEncrypted, Excel's FILEPASS,
 * PowerPoint's encrypted Current User or CryptSession) are held as
 * "encrypted". Word 6/95 and Excel 5/95 files are held as unsupported.
 *
 * msofficesan_verify() re-reads an output and accepts it only when the
 * compound file reads strictly, holds nothing but allowed streams for its
 * application, and none of the constructs above is left.
 */
#ifndef MUGAI_MSOFFICESAN_H
#define MUGAI_MSOFFICESAN_H

#include "san.h"

int msofficesan_sanitize(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                         struct report_node *node);
int msofficesan_verify(struct san_ctx *ctx, const uint8_t *in, size_t len);

/*
 * Policy "flatten": the document's text as UTF-8, read from the binary
 * structures inside the compound file (no other program involved):
 *   Word: the main text, then footnotes and endnotes, through the piece
 *   table (CLX); paragraph, cell, line and page marks end a line; a
 *   field's instruction (DDE, INCLUDETEXT, HYPERLINK "...") is left out and
 *   its last result kept; pictures and other anchors are not text.
 *   Excel: each worksheet of BOUNDSHEET in order under "--- sheet N:
 *   NAME ---", rows as CSV lines from the BIFF8 cells: LABELSST (the SST,
 *   CONTINUE records and phonetic data handled), LABEL, RSTRING, NUMBER,
 *   RK, MULRK, BOOLERR and a FORMULA's cached result (its STRING), never
 *   the formula; numbers as General shows them, dates and times by their
 *   format (FORMAT, XF, DATEMODE). Macro sheets, VB module sheets and
 *   charts give their names only.
 *   PowerPoint: the slides of the current edit (Current User, user edits,
 *   persist directory) in slide-list order, from the second under
 *   "--- slide N ---": each slide's text boxes (TextCharsAtom,
 *   TextBytesAtom, or the slide list's text an OutlineTextRefAtom names).
 * Macros, OLE objects and other streams are never read. Encrypted files
 * are refused as for sanitizing.
 */
int msofficesan_flatten(struct san_ctx *ctx, const uint8_t *in, size_t len, struct buf *out,
                        struct report_node *node);

/* The family's descriptor (san.h). */
extern const struct san_family san_family_msoffice;

#endif

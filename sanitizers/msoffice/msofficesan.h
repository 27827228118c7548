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

#endif

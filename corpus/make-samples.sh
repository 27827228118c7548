#!/bin/sh
# Assembles corpus/samples/, the files the README's first command
# (scripts/demo.sh) sanitizes: a small mix of what reaches a municipal
# gateway, hostile and benign, each copied from the corpus directory that
# makes it (see the make-*.py scripts there).
set -eu
cd "$(dirname "$0")"
s=samples
rm -rf "$s"
mkdir -p "$s"
cp jpeg/exif.jpg             "$s/現場写真.jpg"          # EXIF + XMP metadata
cp png/text_script.png       "$s/diagram.png"          # text chunk with a script
cp gif/comment_script.gif    "$s/banner.gif"           # comment extension
cp text/sjis-formulas.csv    "$s/顧客一覧.csv"          # Shift_JIS CSV with DDE formulas
cp text/sjis-plain.txt       "$s/お知らせ.txt"          # Shift_JIS text, released as is
cp pdf/incremental-openaction.pdf "$s/申請書.pdf"       # JavaScript OpenAction added by an incremental update
cp pdf/everything.pdf        "$s/添付付き.pdf"          # scripts, actions and an embedded clam.exe
cp office/vba.docm           "$s/議事録.docm"           # VBA project: comes out as .docx
cp office/dde-formula.xlsx   "$s/集計表.xlsx"           # DDE formula
cp odf/macro.odt            "$s/回覧.odt"              # Basic macro run on open
cp archive/cp932-names.zip   "$s/資料一式.zip"          # Japanese Windows zip (CP932 names)
cp mail/alternative-hidden-exe.eml "$s/問い合わせ.eml"  # exe hidden in multipart/alternative
cp blocked/report.pdf        "$s/請求書.pdf"            # a Windows program named .pdf
cp blocked/invoice.js        "$s/invoice.js"           # script
ls -l "$s"

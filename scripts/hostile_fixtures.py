#!/usr/bin/env python3
"""Writes the hostile spreadsheets of fixtures/hostile/ with the standard
library only (zipfile): the smallest valid XLSX parts, around sheet XML that
a hostile or damaged export could hold.

- far_cell.xlsx: a two-row table plus one cell at XFD1048576, the last cell
  of a sheet (a reader that sizes the table from the range allocates 17
  billion cells).
- bomb.xlsx: ~100 MB of sheet XML deflated to ~100 KB (a zip bomb).

Run: python3 scripts/hostile_fixtures.py
"""
import pathlib
import zipfile

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "hostile"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""
SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"""
SHEET_TAIL = "</sheetData></worksheet>"


def cell(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def write(name, sheet_xml):
    with zipfile.ZipFile(OUT / name, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    far = (
        SHEET_HEAD
        + '<row r="1">' + cell("A1", "id") + cell("B1", "name") + "</row>"
        + '<row r="2">' + cell("A2", "C1") + cell("B2", "Ann") + "</row>"
        + '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"
        + SHEET_TAIL
    )
    write("far_cell.xlsx", far)
    row = '<row>' + cell("A1", "x" * 64) + "</row>"
    bomb = SHEET_HEAD + row * (100_000_000 // len(row)) + SHEET_TAIL
    write("bomb.xlsx", bomb)


if __name__ == "__main__":
    main()

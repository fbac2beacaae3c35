"""The downloadable column templates: a header row and one example row, as CSV or XLSX."""

from __future__ import annotations

import csv
import io

from community_node.imports.columns import ImportSpec, describe_columns, template_rows


def template_csv(spec: ImportSpec) -> str:
    """Write the template as CSV (UTF-8 with BOM and CRLF, as Excel expects)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(template_rows(spec))
    return buffer.getvalue()


def template_xlsx(spec: ImportSpec) -> bytes:
    """Write the template as a workbook: the sheet to fill in, then a sheet on each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = spec.plural
    header, example = template_rows(spec)
    sheet.append(header)
    sheet.append(example)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        # Text format keeps phone numbers' leading zeros and codes like 29-1141 as typed.
        cell.number_format = "@"
    for index, name in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(len(name), len(example[index - 1])) + 4
    sheet.freeze_panes = "A2"

    help_sheet = book.create_sheet("Columns")
    help_sheet.append(["column", "required", "what to write"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for name, required, description in describe_columns(spec):
        help_sheet.append([name, "yes" if required else "no", description])
    help_sheet.append([])
    help_sheet.append(["Only the first sheet is imported; row 1 holds the column names."])
    help_sheet.column_dimensions["A"].width = 28
    help_sheet.column_dimensions["C"].width = 90

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

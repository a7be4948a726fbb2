"""Re-create the committed .xlsx fixtures as a spreadsheet program writes them.

Sources are written with openpyxl (formulas without cached values, typed date cells, text dates,
full-width digits, the import template with its merged headings), then opened and saved again by
LibreOffice Calc (``apt-get install libreoffice-calc-nogui``), which computes every formula and
stores its cached value, as Excel does. Run from the repository root:

    .venv/bin/python tests/imports/files/make_fixtures.py
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangguan.settings")
os.environ.setdefault("FANGGUAN_ENV", "test")


def estates_source(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "小区"
    ws.append(["小区编码", "小区名称", "街镇", "小区类型", "交付日期", "占地面积(㎡)", "建筑面积(㎡)", "需设充电场所"])
    ws.append(["IMPX01", "公式测试苑", "朱泾镇", "商品住房", dt.date(2020, 12, 31), " 8 000 ", "=5000*2", "是"])
    ws.append(["IMPX02", "中文日期苑", "朱泾镇", "商品住房", "2020年12月31日", None, "１２３４５.６", "否"])
    ws.append(["IMPX03", "斜线日期苑", "朱泾镇", "售后公房", "2020/12/31", None, 20000, "是"])
    ws.append(["IMPX04", "序号日期苑", "朱泾镇", "售后公房", 44196, None, "=30000/2", "是"])
    ws["E5"].number_format = "General"
    book.save(path)


def homes_template_source(path: Path) -> None:
    import django

    django.setup()
    from openpyxl import load_workbook

    from fangguan.imports.specs import get_spec
    from fangguan.imports.workbooks import template_workbook

    book = load_workbook(io.BytesIO(template_workbook(get_spec("homes"))))
    ws = book.worksheets[0]
    # row 3 is the template's example: replace it, add one more
    for col, value in enumerate(["", "IMP001", "1号", "1", "101", 1, 88.5, "住宅", ""], start=1):
        ws.cell(row=3, column=col, value=value or None)
    for col, value in enumerate(["", "IMP001", "1号", "1", "102", "=F3", "=G3+1.5", "住宅", ""], start=1):
        ws.cell(row=4, column=col, value=value or None)
    book.save(path)


def refusals_source(path: Path) -> None:
    """Homes a spreadsheet user might really send: a duplicate, areas of 0 and below, a building
    that does not exist; and people with a wrong identity check character."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "房屋"
    ws.append(["小区编码", "楼号", "单元", "室号", "楼层", "专有面积(㎡)", "用途"])
    ws.append(["IMP001", "1号", "1", "101", 1, 88.5, "住宅"])
    ws.append(["IMP001", "1号", "1", "101", 1, 90, "住宅"])  # the same home again
    ws.append(["IMP001", "1号", "1", "102", 1, 0, "住宅"])
    ws.append(["IMP001", "1号", "1", "103", 1, -12.5, "住宅"])
    ws.append(["IMP001", "9号", "1", "101", 1, 70, "住宅"])  # no such building
    book.save(path)


def people_source(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "人员"
    ws.append(["姓名", "证件类型", "证件号码", "联系电话"])
    ws.append(["表格甲", "居民身份证", "11010519491231002X", "13812345678"])
    ws.append(["表格乙", "居民身份证", "110105194912310021", ""])  # wrong check character
    book.save(path)


def resave_with_libreoffice(source: Path, target: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("LibreOffice is missing: apt-get install -y libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory() as out:
        profile = Path(out) / "profile"
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--calc", "--convert-to",
             "xlsx:Calc MS Excel 2007 XML", "--outdir", out, str(source)],
            check=True, capture_output=True,
        )
        shutil.move(Path(out) / (source.stem + ".xlsx"), target)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (("estates-libreoffice", estates_source), ("homes-template-libreoffice", homes_template_source),
                           ("homes-refusals-libreoffice", refusals_source), ("people-libreoffice", people_source)):
            source = Path(tmp) / f"{name}.xlsx"
            make(source)
            resave_with_libreoffice(source, HERE / f"{name}.xlsx")
            print("wrote", HERE / f"{name}.xlsx")


if __name__ == "__main__":
    main()

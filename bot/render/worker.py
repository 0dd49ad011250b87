"""The render worker process's entry point: the functions it runs, and the only module the
bot hands work to by name.

`bot.services.render` never imports this module; it sends these functions to the worker as
names, and unpickling them there imports this module, and with it matplotlib.
"""

from __future__ import annotations

from bot.core import sheets
from bot.core.charts import HistorySpec, WheelSpec
from bot.render.history import render_history
from bot.render.wheel import render_wheel


def warm_up() -> None:
    """Pool initializer: nothing left to do, since importing this module loaded matplotlib
    and the drawing modules before the first picture is asked for."""


def wheel_png(spec: WheelSpec) -> bytes:
    return render_wheel(spec).png


def history_png(spec: HistorySpec) -> bytes:
    return render_history(spec)


def workbook_xlsx(tables: sheets.Sheets) -> bytes:
    """/export's workbook: openpyxl takes seconds for a big round, off the bot's GIL here."""
    return sheets.to_xlsx(tables)

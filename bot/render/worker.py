"""The render worker process's entry point: the functions it runs, and the only module the
bot hands work to by name.

`bot.services.render` never imports this module; it sends these functions to the worker as
names, and unpickling them there imports this module, and with it matplotlib.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading

from bot.core import sheets
from bot.core.charts import HistorySpec, WheelSpec
from bot.render.history import render_history
from bot.render.wheel import render_wheel

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 1.0


def warm_up() -> None:
    """Pool initializer: importing this module loaded matplotlib and the drawing modules
    before the first picture is asked for; what is left is to go when the bot goes."""
    die_with_parent()


def die_with_parent() -> None:
    """End this worker when the bot that started it ends, however it ends (a SIGKILL, the
    OOM killer): the executor's own shutdown never runs then, and an orphaned worker would
    hold its ~90 MB, and multiprocessing's resource tracker with it, forever.

    Two watches: on Linux the kernel signals us when the parent dies (PR_SET_PDEATHSIG;
    it fires when the parent's spawning thread ends, and the executor spawns from the
    thread that submits or from its manager thread, both of which live as long as the
    pool); and everywhere a daemon thread waits on multiprocessing's parent sentinel (a pipe
    the parent holds open until it dies) and checks os.getppid() as a fallback."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:  # run in the bot itself (`workers = 0`)
        return
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent.pid:  # it died before the watch was set
        os._exit(0)
    threading.Thread(
        target=_watch_parent, args=(parent.sentinel, parent.pid), name="parent-watch", daemon=True
    ).start()


def _watch_parent(sentinel: int, pid: int) -> None:
    while os.getppid() == pid and not multiprocessing.connection.wait(
        [sentinel], timeout=PARENT_POLL_SECONDS
    ):
        pass
    os._exit(0)  # the parent is gone: no clean-up to do, nobody to send a picture to


def wheel_png(spec: WheelSpec) -> bytes:
    return render_wheel(spec).png


def history_png(spec: HistorySpec) -> bytes:
    return render_history(spec)


def workbook_xlsx(book: sheets.Workbook) -> bytes:
    """/export's workbook: openpyxl takes seconds for a big round, off the bot's GIL here."""
    return sheets.to_xlsx(book.sheets, book.locale)

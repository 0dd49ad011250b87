"""What runs inside the render worker process: the only code that loads matplotlib.

The functions are looked up by name in the worker, so the main process can submit them
without importing matplotlib itself.
"""

from __future__ import annotations

from bot.core.charts import HistorySpec, WheelSpec


def warm_up() -> None:
    """Pool initializer: load matplotlib and its fonts before the first picture is asked for."""
    from bot.core import history, wheel  # noqa: F401  (the import is the point)


def wheel_png(spec: WheelSpec) -> bytes:
    from bot.core.wheel import render_wheel

    return render_wheel(spec).png


def history_png(spec: HistorySpec) -> bytes:
    from bot.core.history import render_history

    return render_history(spec)

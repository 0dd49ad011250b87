"""Chart drawing with matplotlib, run only in the render worker process.

The bot process never imports this package: `bot.services.render` names `bot.render.worker`
and the worker imports it (the `only-the-worker-draws` import contract holds this).
"""

"""A scripted workshop on an in-process Telegram: `python -m bot demo`, and the tests' harness."""

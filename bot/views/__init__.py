"""Pure rendering: records in, text and inline keyboards out; gettext only, no I/O."""

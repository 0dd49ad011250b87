"""One splitter for every outgoing text: few messages, each within Telegram's limit, each
valid HTML on its own."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import TELEGRAM_TEXT_LIMIT, chunk_lines, plain


class Balanced(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()


def balanced(chunk: str) -> bool:
    parser = Balanced()
    parser.feed(chunk)
    parser.close()
    return not parser.stack


def test_short_lines_make_one_message() -> None:
    assert chunk_lines(["<b>Ranking</b>", "1. Phone", "2. Site"]) == [
        "<b>Ranking</b>\n1. Phone\n2. Site"
    ]


def test_a_long_table_is_closed_and_reopened_across_messages() -> None:
    rows = [f"{n:>2} {'Touchpoint with a long name ' * 3}{n}" for n in range(1, 120)]
    lines = ["📊 <b>Ranking</b>", "<pre>" + "\n".join(rows) + "</pre>", "", "<b>Plan</b>"]
    chunks = chunk_lines(lines)
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk) <= TELEGRAM_TEXT_LIMIT
        assert balanced(chunk), chunk[-80:]
    assert chunks[1].startswith("<pre>")
    # Nothing lost, nothing added but the tags that close and reopen the table.
    joined = "\n".join(plain(c) for c in chunks)
    assert joined == plain("\n".join(lines))


def test_a_line_longer_than_a_message_is_split_outside_tags_and_entities() -> None:
    line = " ".join(f"<i>w{n}</i>&amp;" for n in range(2000))
    chunks = chunk_lines([line], limit=500)
    assert len(chunks) > 10
    for chunk in chunks:
        assert len(chunk) <= 500 and balanced(chunk)
        assert not re.search(r"&[a-z]*$", chunk) and not re.search(r"<[^>]*$", chunk)
    assert "".join(plain(c) for c in chunks).replace(" ", "") == plain(line).replace(" ", "")


@given(
    st.lists(
        st.one_of(
            st.text(alphabet="ab <>&", max_size=60).map(html.escape),
            st.text(alphabet="xyz ", max_size=30).map(lambda t: f"<b>{t}</b>"),
            st.lists(st.text(alphabet="pq ", max_size=40), max_size=20).map(
                lambda rows: "<pre>" + "\n".join(rows) + "</pre>"
            ),
        ),
        max_size=40,
    ),
    st.integers(min_value=40, max_value=300),
)
def test_every_chunk_fits_and_is_balanced(lines: list[str], limit: int) -> None:
    chunks = chunk_lines(lines, limit=limit)
    for chunk in chunks:
        assert len(chunk) <= limit
        assert balanced(chunk)
    assert "".join(plain(c) for c in chunks).replace("\n", "").replace(" ", "") == plain(
        "".join(lines)
    ).replace("\n", "").replace(" ", "")


@pytest.mark.parametrize("count", [1500, 20])
def test_many_short_lines(count: int) -> None:
    chunks = chunk_lines(["x"] * count)
    assert sum(c.count("x") for c in chunks) == count
    assert all(len(c) <= TELEGRAM_TEXT_LIMIT for c in chunks)

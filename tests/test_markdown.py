"""Markdown is drawn the same whether or not the text was drawn before."""

from __future__ import annotations

from chatactions.markdown import CACHED_LENGTH, _cached, render_markdown


def test_a_repeated_text_is_drawn_once_and_the_same_each_time() -> None:
    text = "Deletion **cancelled** for <script>x</script>."
    _cached.cache_clear()
    first = render_markdown(text)
    assert render_markdown(text) == first
    assert _cached.cache_info().hits == 1
    assert first == (
        "<p>Deletion <strong>cancelled</strong> for &lt;script&gt;x&lt;/script&gt;.</p>"
    )


def test_a_long_text_is_not_cached_and_is_still_cleaned() -> None:
    text = "*a* <img src=x onerror=alert(1)> " + "x" * CACHED_LENGTH
    _cached.cache_clear()
    html = render_markdown(text)
    assert _cached.cache_info().currsize == 0
    assert html.startswith("<p><em>a</em> &lt;img src=x onerror=alert(1)&gt; xxx")
    assert "<img" not in html

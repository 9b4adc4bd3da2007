"""End-to-end tests of the composer's daily-use helpers in a real terminal (tmux): the one-key
fixes of address slips and pasting from spreadsheets (docs/composer.md).  Every wait is a
bounded poll that fails with the last screen (see tui.py)."""

from __future__ import annotations

from test_compose import addresses, confirm_and_send, esc, only_transaction
from tui import ComposerHome, Pane, composer, error_under, field_value, parse, status_line  # noqa: F401


def start(home: ComposerHome, **kwargs) -> Pane:
    pane = home.launch(**kwargs)
    pane.editing_mode()
    return pane


def test_full_width_at_fixed_with_one_key(composer):
    """A full-width ＠ typed into To: Enter shows the error with `F fix` and the corrected
    address; the one key F puts it right (before: t, 22×←, Backspace, @, Tab)."""
    pane = start(composer)
    pane.text("tanaka＠example.jp")
    pane.keys("Enter")
    screen = pane.wait_for(lambda s: "F fix" in s, what="the fix offered under To")
    assert "tanaka@example.jp" in screen.split("F fix", 1)[1].split("\n", 1)[0], pane.framed(screen)
    assert field_value(screen, "To") == "tanaka＠example.jp", "changed before F\n" + pane.framed(screen)
    pane.keys("F")
    screen = pane.wait_for(lambda s: field_value(s, "To") == "tanaka@example.jp", what="To fixed by F")
    assert "F fix" not in screen and error_under(screen, "To") is None, pane.framed(screen)
    assert "Fixed in To" in status_line(screen), pane.framed(screen)


def test_pasted_spreadsheet_row_is_one_entry(composer):
    """A row copied from a spreadsheet (name, Tab, address; bracketed paste) is one
    `Name <address>` entry, not a name that is an invalid address and a second entry."""
    pane = start(composer)
    pane.paste("田中 一郎\tichiro@tanaka-kensetsu.co.jp\n")
    screen = pane.wait_for(lambda s: field_value(s, "To") == "田中 一郎 <ichiro@tanaka-kensetsu.co.jp>",
                           what="the row as one entry")
    pane.keys("Tab")
    screen = pane.wait_for(lambda s: "Editing Cc" in status_line(s), what="typing in Cc")
    assert error_under(screen, "To") is None, pane.framed(screen)
    pane.keys("Tab", "Tab")
    pane.text("見積")
    pane.keys("Tab")
    pane.text("よろしくお願いします。")
    esc(pane)
    assert confirm_and_send(pane) == 0, pane.framed(pane.screen_with_history())
    tx = only_transaction(composer.server)
    assert tx.rcpt_tos == ["ichiro@tanaka-kensetsu.co.jp"]
    assert addresses(parse(tx.raw), "To") == [("田中 一郎", "ichiro@tanaka-kensetsu.co.jp")]

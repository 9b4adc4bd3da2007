"""The confirmation screen in a real terminal (tmux) with a document attached: the estimate for
one company (a PDF written by reportlab, Tests/fixtures/make_documents.py) attached to a mail for
another is flagged by `attachment-other-party` with the evidence, the pane under the attachment
shows the first lines of the PDF, and `v` opens its whole text."""

from __future__ import annotations

import subprocess
from pathlib import Path

from test_compose import attach
from test_confirm import findings, launch, fill, open_confirm, on_confirm_screen
from tui import ComposerHome, composer, status_line  # noqa: F401

MAKE = Path(__file__).resolve().parent.parent / "fixtures" / "make_documents.py"

ADDRESS_BOOK = """[株式会社エグザンプル]
山田 太郎 <taro@example.jp>
[青空商事株式会社]
鈴木 花子 <hanako@aozora-shoji.jp>
"""


def test_the_estimate_for_another_company_is_flagged_and_previewed(composer: ComposerHome, tmp_path):
    pdf = tmp_path / "見積書.pdf"
    subprocess.run(["/usr/bin/python3", str(MAKE), "estimate-pdf", str(pdf)], check=True)
    book = composer.config_home / "guardmail" / "addressbook.txt"
    book.write_text(ADDRESS_BOOK, encoding="utf-8")
    config = composer.config_path.read_text(encoding="utf-8")
    assert "[policy]" in config
    composer.config_path.write_text(config.replace("[policy]\n", '[policy]\naddress_book = "%s"\n' % book, 1), encoding="utf-8")

    pane = launch(composer, width=150, height=32)  # wide enough for the whole finding
    fill(pane, to="鈴木 花子 <hanako@aozora-shoji.jp>", subject="お見積りの件", body=["鈴木様", "見積書をお送りします。"])
    attach(pane, str(pdf))
    screen = open_confirm(pane)
    screen = pane.wait_for(lambda s: "attachment-other-party" in s, what="the attachment-other-party finding")
    [other] = [f for f in findings(screen) if f[2] == "attachment-other-party"]
    assert other[0] is False and other[1] == "CONFIRM", pane.framed(screen)
    assert other[3].startswith("'見積書.pdf' names 田中建設株式会社 (page 1, line 3); the recipients are at aozora-shoji.jp"), pane.framed(screen)
    # The pane under the attachment: the PDF's title, then the first lines of page 1.
    pane_lines = [line.split("│ ", 1)[1].rstrip() for line in screen.split("\n") if "│ " in line]
    assert pane_lines[:5] == ["title: 御見積書 No.2026-118", "御見積書", "2026年12月7日", "田中建設株式会社 御中", "工事部 佐藤一郎 様"], pane.framed(screen)

    # v on the attachment (End: the last row that takes a tick) opens the whole text with places.
    pane.keys("End")
    pane.keys("v")
    text = pane.wait_for(lambda s: "text of 見積書.pdf" in s, what="the pager")
    assert " page 1, line 3: 田中建設株式会社 御中" in text.split("\n"), pane.framed(text)
    assert " page 2, line 1: 明細 2ページ目" in text.split("\n"), pane.framed(text)
    pane.keys("q")
    back = pane.wait_for(lambda s: on_confirm_screen(s) and "Recipients:" in s, what="the confirmation screen again")
    assert "attachment-other-party" in back and composer.server.connections == 0, pane.framed(back)


def test_a_slow_document_leaves_the_composer_responsive(composer: ComposerHome, tmp_path):
    """A PDF whose text takes poppler longer than the 2 s limit (a decompression bomb): after y
    the composer still takes keys while the file is read: it says so, Esc stops waiting (the
    confirmation screen does not come), the message can be edited meanwhile, and y again
    brings the screen once the check is done, the file marked as not read."""
    pdf = tmp_path / "bomb.pdf"
    subprocess.run(["/usr/bin/python3", str(MAKE), "bomb-pdf", str(pdf)], check=True)
    pane = launch(composer, width=120, height=30)
    fill(pane, to="鈴木 花子 <hanako@aozora-shoji.jp>", subject="資料", body=["鈴木様", "資料をお送りします。"])
    attach(pane, str(pdf))
    pane.keys("y")
    pane.wait_for(lambda s: "Checking recipients and attachments… (Esc stops)" in status_line(s), what="the checking status")
    pane.keys("Escape")
    stopped = pane.wait_for(lambda s: "Check stopped; nothing was sent." in status_line(s), what="the check stopped")
    assert not on_confirm_screen(stopped), pane.framed(stopped)
    # The composer takes keys while the stopped check still runs: the subject is edited.
    pane.keys("Tab", "Tab", "Tab", "Tab")
    pane.text("（再送）")
    pane.keys("Escape")
    pane.wait_for(lambda s: "資料（再送）" in s, what="the subject edited")
    screen = open_confirm(pane)
    assert "bomb.pdf" in screen and "contents not read" in screen, pane.framed(screen)
    assert composer.server.connections == 0

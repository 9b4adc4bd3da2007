"""The confirmation screen keeps everything readable in a real terminal (tmux), issue 15 item 1:
at the 60×16 minimum, at 80×24 and at 200×50 a long Japanese finding, the recipient rows and the
truth line wrap instead of being cut, the legend shows the most important keys first and `?`
the rest, and a block's reason stays on the screen under any other status message.
Layout: Sources/TUI/ConfirmView.swift; docs/policy.md, "The confirmation screen"."""

from __future__ import annotations

from test_confirm import (confirm_legend, fill, findings, launch, on_confirm_screen, seed_sent,
                          status_line, truth_line)
from tui import ComposerHome, composer, in_command_mode  # noqa: F401

ADDRESS_BOOK = """[青空商事株式会社 東日本営業本部]
鈴木 花子 <hanako@aozora-shoji.jp>
"""
NAMESAKE_TO = "鈴木 花子 <hanako@aozora-shouji.jp>"
# What the namesake rule says, whole (docs/policy.md, "namesake").
NAMESAKE_TEXT = ("'鈴木 花子' is hanako@aozora-shoji.jp (青空商事株式会社 東日本営業本部) in the address book, "
                 "but this recipient is hanako@aozora-shouji.jp: a different address in another domain")
SIZES = [(60, 16), (80, 24), (200, 50)]


def use_address_book(composer: ComposerHome) -> None:
    book = composer.config_home / "guardmail" / "addressbook.txt"
    book.write_text(ADDRESS_BOOK, encoding="utf-8")
    config = composer.config_path.read_text(encoding="utf-8")
    composer.config_path.write_text(config.replace("[policy]\n", '[policy]\naddress_book = "%s"\n' % book, 1),
                                    encoding="utf-8")


def squeezed(text: str) -> str:
    return "".join(text.split())


def leave(pane, composer) -> None:
    pane.keys("q")
    pane.wait_for(lambda s: not on_confirm_screen(s) and in_command_mode(s), what="the composer")
    assert pane.discard_long_draft() == 0
    assert composer.server.connections == 0, composer.server.summary()


def test_nothing_cut_off_at_60x16_80x24_200x50(composer: ComposerHome):
    use_address_book(composer)
    pane = launch(composer, width=100, height=30)
    fill(pane, to=NAMESAKE_TO, cc="同僚 <colleague@example.jp>", subject="お見積りの件",
         body=["鈴木様", "お見積りの件でご連絡いたしました。"])
    pane.keys("y")
    pane.wait_for(lambda s: on_confirm_screen(s) and "namesake" in s, what="the confirmation screen")
    for width, height in SIZES:
        pane.resize(width, height)
        pane.wait_for(lambda s: on_confirm_screen(s) and "namesake" in s and len(s.split("\n")) == height,
                      what="the screen at %dx%d" % (width, height))
        pane.keys("Home")  # the first row that takes a tick: the namesake finding
        screen = pane.wait_for(lambda s: "namesake" in s, what="the finding at %dx%d" % (width, height))
        lines = screen.split("\n")
        assert max(len(line) for line in lines) <= width, pane.framed(screen)
        [namesake] = [f for f in findings(screen) if f[2] == "namesake"]
        assert squeezed(namesake[3]) == squeezed(NAMESAKE_TEXT), pane.framed(screen)
        assert "from 山田 太郎 <taro@example.jp>" in truth_line(screen), pane.framed(screen)
        # The legend: what matters first; `?` shows every key, `?` again hides them.
        legend = confirm_legend(screen)
        assert legend[:3] == [("Space", "Tick"), ("y", "Send"), ("q", "Back")], pane.framed(screen)
        pane.keys("?")
        everything = pane.wait_for(lambda s: "Fewer keys" in s, what="every key at %dx%d" % (width, height))
        for key in ("Space Tick", "y Send", "q Back", "↑↓ Move", "/ Search", "n Next"):
            assert key in everything, pane.framed(everything)
        pane.keys("?")
        pane.wait_for(lambda s: "Fewer keys" not in s, what="the short legend again")
        # Every recipient row is whole once the cursor is on it (End: the last one).
        pane.keys("End")
        screen = pane.wait_for(lambda s: "<hanako@aozora-shouji.jp>" in s,
                               what="the recipient at %dx%d" % (width, height))
        assert squeezed("鈴木 花子 <hanako@aozora-shouji.jp> LOOK-ALIKE OF aozora-shoji.jp NAMESAKE NEW") in squeezed(screen), pane.framed(screen)
    leave(pane, composer)


def test_a_block_reason_stays_under_another_status_message(composer: ComposerHome):
    seed_sent(composer, "info@yamada-shoji.co.jp")
    pane = launch(composer, width=60, height=16)
    fill(pane, to="山田商事 <eigyo@yarnada-shoji.co.jp>", subject="ご注文の確認", body=["ご注文を確認しました。"])
    pane.keys("y")
    screen = pane.wait_for(lambda s: on_confirm_screen(s) and "Blocked by lookalike-domain" in status_line(s),
                           what="the block's reason")
    # n with nothing searched puts a message in the status: the block's reason stays above it.
    pane.keys("n")
    screen = pane.wait_for(lambda s: "Nothing searched yet" in status_line(s), what="the status message")
    status = status_line(screen)
    assert status.startswith("Blocked by lookalike-domain: change the message (q goes back)"), pane.framed(screen)
    # y says the block once, not twice.
    pane.keys("y")
    screen = pane.wait_for(lambda s: "Nothing searched yet" not in status_line(s), what="y handled")
    assert screen.count("Blocked by lookalike-domain") == 1, pane.framed(screen)
    leave(pane, composer)

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


LONG_BODY = "お世話になっております。見積書を送付いたします。ご確認ください。"


def write_long_draft(home: ComposerHome) -> Pane:
    pane = start(home)
    pane.text("hanako@example.jp")
    pane.keys("Tab", "Tab", "Tab")
    pane.text("お見積りの件")
    pane.keys("Tab")
    pane.text(LONG_BODY)
    esc(pane)
    home.wait_for_draft(lambda d: d.body.strip() == LONG_BODY, what="the long draft saved")
    return pane


def test_quitting_a_long_draft_asks_and_discard_needs_a_second_key(composer):
    """q on a long draft asks with save as the default (Enter); d asks once more and d again is
    not a yes: the draft is still there; d then y discards it."""
    pane = write_long_draft(composer)
    pane.keys("q")
    screen = pane.wait_for("(s) save the draft and leave (Enter)", what="the quit box")
    assert "The draft has 13 words." in screen, pane.framed(screen)
    assert "(d) discard the message (then y to confirm)" in screen, pane.framed(screen)
    pane.keys("d")
    screen = pane.wait_for("(y) yes, discard the message", what="the second question")
    pane.keys("d")
    screen = pane.wait_for(lambda s: "(s) save the draft and leave (Enter)" in s and "(y) yes" not in s,
                           what="back at the first question")
    assert pane.exit_status() is None, pane.framed(screen)
    pane.keys("d")
    pane.wait_for("(y) yes, discard the message", what="the second question again")
    pane.keys("y")
    assert pane.wait_exit() == 0, pane.framed()
    assert composer.draft_files() == [], "the discarded draft is still there"
    assert composer.server.connections == 0


def test_quitting_a_long_draft_saves_on_enter(composer):
    pane = write_long_draft(composer)
    pane.keys("q")
    pane.wait_for("(s) save the draft and leave (Enter)", what="the quit box")
    pane.keys("Enter")
    assert pane.wait_exit() == 0, pane.framed()
    assert "The draft is saved" in pane.screen_with_history()
    assert [d.subject for d in composer.drafts()] == ["お見積りの件"]


def test_quitting_an_empty_message_asks_nothing(composer):
    pane = start(composer)
    esc(pane)
    pane.keys("q")
    assert pane.wait_exit() == 0, pane.framed()
    out = pane.screen_with_history()
    assert "Leave the composer?" not in out and "Nothing was written, so no draft was saved." in out, pane.framed(out)
    assert composer.draft_files() == []


ADDRESS_BOOK = """\
# two people named 田中 一郎 at different companies, and others
[田中建設]
田中 一郎 <ichiro@tanaka-kensetsu.co.jp> ; ; たなか いちろう
[田中商事]
田中 一郎 <ichiro@tanaka-shoji.co.jp> ; ; タナカ イチロウ
[]
中田 次郎 <jiro@nakata.example> ; 中田工業 ; なかた じろう
佐藤 花子 <hanako@example.jp>
"""


def write_address_book(home: ComposerHome) -> None:
    path = home.config_path.parent / "addressbook.txt"
    path.write_text(ADDRESS_BOOK, encoding="utf-8")
    path.chmod(0o600)


def test_picker_namesakes_both_shown_and_the_second_chosen(composer):
    """^T in To opens the picker; たなか finds both 田中 一郎 (by their readings), marked as
    namesakes; Enter before a row is moved to chooses nothing; ↓ ↓ Enter inserts the second as
    `Name <address>`, and that is where the message goes."""
    write_address_book(composer)
    pane = start(composer)
    pane.keys("C-t")
    screen = pane.wait_for("pick an address for To", what="the picker")
    assert "中田 次郎" in screen and "佐藤 花子" in screen, pane.framed(screen)
    pane.text("たなか")
    screen = pane.wait_for(lambda s: "2 of 4" in s, what="two results for たなか")
    rows = [line for line in screen.split("\n") if line.startswith("* 田中 一郎")]
    assert len(rows) == 2, pane.framed(screen)
    assert "田中建設" in rows[0] and "ichiro@tanaka-kensetsu.co.jp" in rows[0], pane.framed(screen)
    assert "田中商事" in rows[1] and "ichiro@tanaka-shoji.co.jp" in rows[1], pane.framed(screen)
    assert "* namesakes: the same name at another address" in screen, pane.framed(screen)
    pane.keys("Enter")
    screen = pane.wait_for("Nothing is chosen yet", what="Enter with no row chosen")
    assert "pick an address for To" in screen, pane.framed(screen)
    pane.keys("Down", "Down", "Enter")
    screen = pane.wait_for(lambda s: field_value(s, "To") == "田中 一郎 <ichiro@tanaka-shoji.co.jp>",
                           what="the second 田中 一郎 in To")
    assert "pick an address" not in screen, pane.framed(screen)
    pane.keys("Tab", "Tab", "Tab")
    pane.text("見積")
    pane.keys("Tab")
    pane.text("よろしくお願いします。")
    esc(pane)
    assert confirm_and_send(pane) == 0, pane.framed(pane.screen_with_history())
    tx = only_transaction(composer.server)
    assert tx.rcpt_tos == ["ichiro@tanaka-shoji.co.jp"]
    assert addresses(parse(tx.raw), "To") == [("田中 一郎", "ichiro@tanaka-shoji.co.jp")]


def test_picker_esc_inserts_nothing_and_sent_mail_is_offered(composer):
    """Esc leaves the picker with the field as it was. After a message is sent, the next
    composer's picker offers its recipient from the send journal, with the count."""
    write_address_book(composer)
    pane = start(composer)
    pane.text("someone@example.org")
    pane.keys("C-t")
    pane.wait_for("pick an address for To", what="the picker")
    pane.keys("Escape")
    screen = pane.wait_for(lambda s: "pick an address" not in s, what="back in the composer")
    assert field_value(screen, "To") == "someone@example.org", pane.framed(screen)
    assert "Nothing inserted." in status_line(screen), pane.framed(screen)
    pane.keys("Tab", "Tab", "Tab")
    pane.text("件名")
    pane.keys("Tab")
    pane.text("本文")
    esc(pane)
    assert confirm_and_send(pane) == 0, pane.framed(pane.screen_with_history())

    pane = start(composer)
    pane.keys("C-t")
    pane.wait_for("pick an address for To", what="the picker")
    pane.text("example.org")
    screen = pane.wait_for(lambda s: "1 of 5" in s, what="the sent recipient offered")
    row = [line for line in screen.split("\n") if "someone@example.org" in line]
    assert len(row) == 1 and row[0].rstrip().endswith("1") and "(no name)" in row[0], pane.framed(screen)



def test_at_where_an_entry_starts_opens_the_picker(composer):
    """@ typed at the start of an empty entry in To opens the picker (no address starts with
    @); typed inside an address it is only text."""
    write_address_book(composer)
    pane = start(composer)
    pane.text("@")
    pane.wait_for("pick an address for To", what="the picker opened by @")
    pane.keys("Escape")
    screen = pane.wait_for(lambda s: "pick an address" not in s, what="back in the composer")
    assert field_value(screen, "To") == "", pane.framed(screen)
    pane.text("hanako@example.jp, ")
    pane.wait_for(lambda s: field_value(s, "To") == "hanako@example.jp,", what="the first address typed")
    pane.text("@")
    pane.wait_for("pick an address for To", what="the picker opened by @ after the comma")
    pane.text("なかた")
    pane.wait_for(lambda s: "1 of 4" in s, what="one result for なかた")
    pane.keys("Down", "Enter")
    screen = pane.wait_for(lambda s: "pick an address" not in s, what="back in the composer")
    assert field_value(screen, "To") == "hanako@example.jp, 中田 次郎 <jiro@nakata.example>", pane.framed(screen)

VCARD_BOOK = "\r\n".join([
    "BEGIN:VCARD", "VERSION:3.0", "N:佐藤;花子;;;", "FN:佐藤 花子", "X-PHONETIC-LAST-NAME:さとう",
    "X-PHONETIC-FIRST-NAME:はなこ", "ORG:佐藤物産", "EMAIL;TYPE=INTERNET:hanako@sato-bussan.exam",
    " ple", "END:VCARD", ""])
CSV_BOOK = ("名,姓,ふりがな (名),ふりがな (姓),会社名,電子メール アドレス\r\n"
            "次郎,鈴木,じろう,すずき,鈴木工業,jiro@suzuki-kogyo.example\r\n")


def test_picker_reads_vcard_and_shift_jis_csv_books(composer):
    """addressbook.vcf (a folded EMAIL line, phonetic names) and addressbook.csv (Outlook's
    Japanese export, Shift_JIS) in the config folder are searched by their readings."""
    folder = composer.config_path.parent
    (folder / "addressbook.vcf").write_bytes(VCARD_BOOK.encode("utf-8"))
    (folder / "addressbook.csv").write_bytes(CSV_BOOK.encode("cp932"))
    for name in ("addressbook.vcf", "addressbook.csv"):
        (folder / name).chmod(0o600)
    pane = start(composer)
    pane.keys("C-t")
    pane.wait_for("pick an address for To", what="the picker")
    pane.text("さとう")
    screen = pane.wait_for(lambda s: "1 of 2" in s, what="佐藤 花子 by her reading")
    assert "佐藤物産" in screen and "hanako@sato-bussan.example" in screen, pane.framed(screen)
    pane.keys("C-u")
    pane.text("ｽｽﾞｷ")
    screen = pane.wait_for(lambda s: "1 of 2" in s and "鈴木 次郎" in s, what="鈴木 次郎 by the CSV's reading")
    assert "鈴木工業" in screen and "jiro@suzuki-kogyo.example" in screen, pane.framed(screen)
    pane.keys("Down", "Enter")
    pane.wait_for(lambda s: field_value(s, "To") == "鈴木 次郎 <jiro@suzuki-kogyo.example>", what="鈴木 次郎 in To")


def test_pasted_outlook_list_and_column(composer):
    """Outlook's `Name <a>; Name <b>` pasted into To is two entries; a column of addresses
    pasted into Cc is one entry each; both fields parse without an error."""
    pane = start(composer)
    pane.paste("田中 一郎 <ichiro@tanaka.example>; 鈴木 花子 <hanako@suzuki.example>;")
    pane.wait_for(lambda s: field_value(s, "To") == "田中 一郎 <ichiro@tanaka.example>, 鈴木 花子 <hanako@suzuki.example>",
                  what="the Outlook list as two entries")
    pane.keys("Tab")
    pane.wait_for(lambda s: "Editing Cc" in status_line(s), what="typing in Cc")
    pane.paste("a@example.jp\r\nb@example.jp\r\nc@example.jp\r\n")
    screen = pane.wait_for(lambda s: field_value(s, "Cc") == "a@example.jp, b@example.jp, c@example.jp",
                           what="the column as three entries")
    pane.keys("Tab")
    screen = pane.wait_for(lambda s: "Editing Bcc" in status_line(s), what="typing in Bcc")
    assert error_under(screen, "To") is None and error_under(screen, "Cc") is None, pane.framed(screen)


def test_trailing_sama_offered_although_it_parses(composer):
    """`hanako@example.jp様` parses (`jp様` is a well-formed international top-level domain), so
    no error line: the fix is offered all the same, and F applies it."""
    pane = start(composer)
    pane.text("hanako@example.jp様")
    pane.keys("Enter")
    screen = pane.wait_for(lambda s: "F fix (a trailing 様): hanako@example.jp" in s, what="the fix offered")
    assert error_under(screen, "To") is None or "✗" not in error_under(screen, "To"), pane.framed(screen)
    pane.keys("F")
    screen = pane.wait_for(lambda s: field_value(s, "To") == "hanako@example.jp", what="To fixed by F")
    assert "F fix" not in screen, pane.framed(screen)

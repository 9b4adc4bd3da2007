"""The confirmation screen of `guardmail bulk` in a real terminal (tmux): 3,000 recipients in
30 external domains, grouped and counted per domain, scrolled with PageDown, searched with `/`,
every external recipient ticked one by one (no tick-all, no domain-wide tick for outsiders),
then sent in Bcc batches to the real SMTP server."""

from __future__ import annotations

import collections
import re

from test_confirm import NO_ORG_POLICY
from tui import composer  # noqa: F401

TITLE = "guardmail — check before sending"
DOMAINS = ["d%02d.example" % d for d in range(30)]
SPACE_CHUNK = 500  # Spaces per tmux send-keys (-N repeats a key inside tmux: one command each)


def status_line(screen: str) -> str:
    """The line above the legend (the bottom rule carries the list position, e.g. 12/3037)."""
    lines = screen.rstrip("\n").split("\n")
    return lines[-2] if len(lines) >= 2 else ""


def legend_line(screen: str) -> str:
    return screen.rstrip("\n").split("\n")[-1]


def still_to_tick(screen: str) -> int:
    """The number of ticks the status asks for: `Still to tick (space): 3000 external
    recipients, 1 finding` -> 3001."""
    status = status_line(screen)
    assert "Still to tick (space): " in status, status
    return sum(int(n) for n in re.findall(r"(\d+) [a-z]", status.split(": ", 1)[1]))


def spaces(pane, count: int) -> None:
    while count > 0:
        n = min(SPACE_CHUNK, count)
        pane.tmux("send-keys", "-t", pane.target, "-N", str(n), "Space")
        count -= n


def test_bulk_confirmation_screen_for_3000_recipients(composer, tmp_path):
    rows = ["user%04d@%s,利用者%04d" % (i, DOMAINS[i % 30], i) for i in range(3000)]
    members = tmp_path / "members.csv"
    members.write_text("email,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    body = tmp_path / "notice.txt"
    body.write_text("事務所移転のお知らせです。\n", encoding="utf-8")
    pane = composer.launch(["bulk", "--recipients", str(members), "--subject", "事務所移転のお知らせ",
                            "--body-file", str(body)], env={"GUARDMAIL_POLICY": NO_ORG_POLICY}, width=100, height=30)
    screen = pane.wait_for(lambda s: s.split("\n")[0].strip() == TITLE and "Recipients: 3000 external in 30 domains" in s,
                           timeout=30, what="the bulk confirmation screen")
    assert "Bcc 3000" in screen, pane.framed(screen)
    domain_rows = re.findall(r"(?m)^ EXTERNAL (d\d\d\.example)  100 recipients", screen)
    assert domain_rows, pane.framed(screen)
    # An external domain carries no box: each address under it does.
    assert "[ ] EXTERNAL" not in screen, pane.framed(screen)
    assert re.search(r"(?m)^ {3}\[ \] Bcc  利用者\d{4} <user\d{4}@d\d\d\.example>", screen), pane.framed(screen)
    assert "/ Search" in legend_line(screen) and "n Next" in legend_line(screen), pane.framed(screen)

    # PageDown scrolls a screenful of recipients at a time: five of them reach the next domain.
    pane.keys(*["PageDown"] * 5)
    later = pane.wait_for(lambda s: set(re.findall(r"EXTERNAL (d\d\d\.example)", s)) - set(domain_rows),
                          what="other domains after PageDown")
    assert TITLE in later

    pane.keys("y")
    refused = pane.wait_for(lambda s: "Still to tick" in status_line(s) and "3000 external recipients" in status_line(s),
                            what="y refused before the ticks")
    assert pane.exit_status() is None, pane.framed(refused)
    needed = still_to_tick(refused)

    # / finds a recipient by their Japanese name, far down the list; n finds the next match.
    pane.keys("/")
    pane.wait_for(lambda s: status_line(s).startswith(" Search:"), what="the search prompt")
    pane.text("利用者2998")
    pane.keys("Enter")
    found = pane.wait_for(lambda s: "'利用者2998': 1 of 1 (n: next)" in status_line(s), what="the search result")
    assert re.search(r"(?m)^ {3}\[ \] Bcc  利用者2998 <user2998@d28\.example>", found), pane.framed(found)
    pane.keys("/")
    pane.wait_for(lambda s: status_line(s).startswith(" Search:"), what="the search prompt")
    pane.text("D07.EXAMPLE")
    pane.keys("Enter")
    pane.wait_for(lambda s: "'D07.EXAMPLE': 1 of 101 (n: next)" in status_line(s), what="a domain found")
    pane.keys("n")
    pane.wait_for(lambda s: "'D07.EXAMPLE': 2 of 101 (n: next)" in status_line(s), what="n: the next match")
    assert pane.exit_status() is None

    # Home, then one Space per recipient and per finding: exactly as many as the status asked
    # for (one more would untick the last row).
    pane.keys("Home")
    spaces(pane, needed)
    pane.wait_for(lambda s: "Everything is ticked" in status_line(s), timeout=60, what="every recipient ticked")
    # Ticks at machine speed: y asks a challenge first, answered as the screen says.
    pane.confirm_everything(tick=False)
    assert pane.wait_exit(90) == 0, pane.framed(pane.screen_with_history())
    composer.server.settle(15)
    counts = collections.Counter(r.lower() for tx in composer.server.transactions for r in tx.rcpt_tos)
    assert len(counts) == 3000 and set(counts.values()) == {1}, composer.server.summary()


def test_bulk_individual_screen_ticks_internal_domain_once(composer, tmp_path):
    """--mode individual: the truth line says one message to each; the internal domain is one
    tick for its colleagues, the outsiders one tick each; every message shows one recipient."""
    members = tmp_path / "members.csv"
    members.write_text("email,name\nichiro@client.example,鈴木 一郎\nbob@partner.example,Bob\n"
                       "jiro@example.jp,同僚 次郎\nsaburo@example.jp,同僚 三郎\n", encoding="utf-8")
    body = tmp_path / "letter.txt"
    body.write_text("{{name}} 様\nご案内です。\n", encoding="utf-8")
    pane = composer.launch(["bulk", "--recipients", str(members), "--mode", "individual", "--subject", "ご案内",
                            "--body-file", str(body)], env={"GUARDMAIL_POLICY": NO_ORG_POLICY}, width=100, height=30)
    screen = pane.wait_for(lambda s: s.split("\n")[0].strip() == TITLE and "Recipients:" in s,
                           timeout=30, what="the bulk confirmation screen")
    truth = screen.split("\n")[1].strip()
    assert truth.startswith("One message to each of 4 recipients · external 2 in 2 domains"), pane.framed(screen)
    assert re.search(r"(?m)^ \[ \] INTERNAL example\.jp  2 recipients", screen), pane.framed(screen)
    assert re.search(r"(?m)^ {7}To   同僚 次郎 <jiro@example\.jp>", screen), pane.framed(screen)
    assert re.search(r"(?m)^ {3}\[ \] To   鈴木 一郎 <ichiro@client\.example>", screen), pane.framed(screen)
    status = status_line(screen)
    assert "2 external recipients, 1 internal domain" in status, pane.framed(screen)
    pane.keys("Home")
    spaces(pane, still_to_tick(screen))
    pane.wait_for(lambda s: "Everything is ticked" in status_line(s), what="everything ticked")
    pane.confirm_everything(tick=False)
    assert pane.wait_exit(60) == 0, pane.framed(pane.screen_with_history())
    composer.server.settle(15)
    txs = composer.server.transactions
    assert sorted(r for tx in txs for r in tx.rcpt_tos) == sorted(
        ["ichiro@client.example", "bob@partner.example", "jiro@example.jp", "saburo@example.jp"]), composer.server.summary()
    assert all(len(tx.rcpt_tos) == 1 for tx in txs), composer.server.summary()

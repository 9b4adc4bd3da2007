"""The confirmation screen of `guardmail bulk` in a real terminal (tmux): 3,000 recipients in
30 external domains, grouped and counted per domain, scrolled with PageDown, ticked domain by
domain (no tick-all), then sent in Bcc batches to the real SMTP server."""

from __future__ import annotations

import collections
import re
import time

from test_confirm import NO_ORG_POLICY
from tui import composer  # noqa: F401

TITLE = "guardmail — check before sending"
DOMAINS = ["d%02d.example" % d for d in range(30)]


def status_line(screen: str) -> str:
    """The line above the legend (the bottom rule carries the list position, e.g. 12/3037)."""
    lines = screen.rstrip("\n").split("\n")
    return lines[-2] if len(lines) >= 2 else ""


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
    domain_rows = re.findall(r"\[ \] EXTERNAL (d\d\d\.example)  100 recipients", screen)
    assert domain_rows, pane.framed(screen)
    # Addresses carry no box of their own: the domain is what gets ticked.
    assert re.search(r"(?m)^ {7}Bcc  利用者\d{4} <user\d{4}@d\d\d\.example>", screen), pane.framed(screen)

    # PageDown scrolls to domains not on the first screen.
    pane.keys("PageDown")
    later = pane.wait_for(lambda s: set(re.findall(r"EXTERNAL (d\d\d\.example)", s)) - set(domain_rows),
                          what="other domains after PageDown")
    assert TITLE in later

    pane.keys("y")
    refused = pane.wait_for(lambda s: "Still to tick" in status_line(s) and "30 external domains" in status_line(s),
                            what="y refused before the ticks")
    assert pane.exit_status() is None, pane.framed(refused)

    # Home, then one Space per domain and per finding, until everything is ticked (bounded).
    pane.keys("Home")
    for _ in range(80):
        screen = pane.screen()
        if "Everything is ticked" in status_line(screen):
            break
        pane.keys("Space")
        time.sleep(0.03)
    pane.wait_for(lambda s: "Everything is ticked" in status_line(s), what="every domain ticked")
    pane.keys("y")
    assert pane.wait_exit(90) == 0, pane.framed(pane.screen_with_history())
    composer.server.settle(15)
    counts = collections.Counter(r.lower() for tx in composer.server.transactions for r in tx.rcpt_tos)
    assert len(counts) == 3000 and set(counts.values()) == {1}, composer.server.summary()

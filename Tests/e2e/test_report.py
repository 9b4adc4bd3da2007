"""End-to-end test of `guardmail report` (issue 15, item 5; docs/journal.md, "guardmail report"):
a scripted sequence of sends — `guardmail send --accept RULE` and the composer in a real terminal
(tmux), where the sender goes back from the confirmation screen, edits, and sends — and the
counts `report --json` gives for it.  Times are measured, never asserted: only that the
composer's confirmation was timed and the `send` ones were not.
"""

from __future__ import annotations

import json
import subprocess
from typing import Dict

from test_confirm import NO_ORG_POLICY, fill, launch, on_confirm_screen, open_confirm, rule_ids, send_now
from tui import ComposerHome, composer, field_value, in_command_mode  # noqa: F401


def run(composer: ComposerHome, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(composer.binary), *args], env=composer.env({"GUARDMAIL_POLICY": NO_ORG_POLICY}),
                          cwd=composer.work, capture_output=True, timeout=60)


def report(composer: ComposerHome, *args: str) -> Dict[str, dict]:
    done = run(composer, "report", "--json", *args)
    assert done.returncode == 0, done.stderr.decode()
    data = json.loads(done.stdout)
    return data


def test_report_counts_a_scripted_sequence_of_sends(composer, tmp_path):
    # No journal yet: nothing, exit 0.
    empty = report(composer)
    assert empty["messages"] == 0 and empty["rules"] == [], empty
    bad = run(composer, "report", "--since", "yesterday")
    assert bad.returncode == 64 and b"invalid --since 'yesterday'" in bad.stderr, bad

    body = tmp_path / "body.txt"
    body.write_text("Hello.\n", encoding="utf-8")
    # 1. A new domain, accepted with --accept (no screen, no time).
    first = run(composer, "send", "--to", "ichiro@client.example", "--subject", "one", "--body-file", str(body),
                "--accept", "new-domain")
    assert first.returncode == 0, first.stderr.decode()
    # 2. The same recipient again: known now, nothing fires.
    second = run(composer, "send", "--to", "ichiro@client.example", "--subject", "two", "--body-file", str(body))
    assert second.returncode == 0, second.stderr.decode()

    # 3. The composer: a new domain, back from the confirmation screen, the domain corrected,
    #    checked again, ticked and sent.
    pane = launch(composer)
    fill(pane, to="hanako@partner.example", subject="three", body=["Hello."])
    screen = open_confirm(pane)
    assert rule_ids(screen) == ["new-domain", "new-recipient"], pane.framed(screen)
    pane.keys("q")
    pane.wait_for(lambda s: not on_confirm_screen(s) and in_command_mode(s), what="the composer")
    pane.keys("t")
    pane.editing_mode()
    pane.keys("End")
    for _ in range(len("example")):
        pane.keys("BSpace")
    pane.text("test")
    pane.wait_for(lambda s: field_value(s, "To") == "hanako@partner.test", what="the corrected To")
    pane.keys("Escape")
    pane.command_mode()
    screen = open_confirm(pane)
    assert "partner.test" in screen and rule_ids(screen) == ["new-domain", "new-recipient"], pane.framed(screen)
    pane.tick_everything()
    send_now(pane)
    assert composer.server.settle(10)
    assert len(composer.server.transactions) == 3, composer.server.summary()

    data = report(composer)
    assert data["messages"] == 3, data
    assert data["noise_rule"] == {"quick_milliseconds": 1000, "share_percent": 90, "minimum_fired": 5}, data
    rules = {rule["rule"]: rule for rule in data["rules"]}
    assert set(rules) == {"new-domain", "new-recipient"}, data
    domain = rules["new-domain"]
    # Fired in messages 1 and 3; accepted in both (--accept, then the screen); the first check
    # of message 3 named partner.example and the second did not: it led to a change.
    assert (domain["fired"], domain["accepted"], domain["challenged"], domain["changed"]) == (2, 2, 0, 1), domain
    # Only the composer's confirmation has a time (screen shown → y).
    assert domain["timed"] == 1 and isinstance(domain["median_accept_ms"], int) and domain["median_accept_ms"] >= 0, domain
    assert domain["noise"] is False, domain
    recipient = rules["new-recipient"]
    # An info finding: fired, never accepted; changed by the same edit.
    assert (recipient["fired"], recipient["accepted"], recipient["changed"], recipient["timed"]) == (2, 0, 1, 0), recipient
    assert recipient["median_accept_ms"] is None, recipient
    # In data order: most fired first, then by rule id.
    assert [rule["rule"] for rule in data["rules"]] == ["new-domain", "new-recipient"], data

    # The same from the journal's point of view: message 3 keeps what changed, and its time.
    listed = json.loads(run(composer, "journal", "--json").stdout)
    assert [m["subject"] for m in listed["messages"]] == ["three", "two", "one"], listed
    third = json.loads(run(composer, "journal", "show", "--json", listed["messages"][0]["message_id"]).stdout)
    assert [(f["rule"], "partner.example" in f["message"]) for f in third["changed_findings"]] == \
        [("new-domain", True), ("new-recipient", True)], third
    assert [(f["rule"], f["accepted"], f["challenged"]) for f in third["findings"]] == \
        [("new-domain", True, False), ("new-recipient", False, False)], third
    assert isinstance(third["confirm_ms"], int), third
    first = json.loads(run(composer, "journal", "show", "--json", listed["messages"][2]["message_id"]).stdout)
    assert first["changed_findings"] == [] and first["confirm_ms"] is None, first
    shown = run(composer, "journal", "show", listed["messages"][0]["message_id"]).stdout.decode()
    assert "Led to a change (gone or changed after going back to edit): 2" in shown, shown
    assert "Time to confirm: " in shown, shown
    assert "Confirmation: full screen with ticks" in shown, shown

    # The text form: a header and one line per rule.
    text = run(composer, "report")
    assert text.returncode == 0, text.stderr.decode()
    lines = text.stdout.decode().splitlines()
    assert lines[0].startswith("3 messages confirmed since "), lines
    # Which confirmation the messages had (issue 15): the composer's on the full screen (a new
    # domain); `send` shows none, so its two are not counted.
    assert lines[1] == "confirmation: 1 full screen", lines
    # The composer's ticks were a script's: the pace's challenge was asked (journal schema 6).
    assert lines[2] == "rushed: 1 confirmation ticked faster than the items can be read (a challenge was asked)", lines
    assert lines[3].split() == ["RULE", "FIRED", "ACCEPTED", "CHALLENGED", "CHANGED", "MEDIAN"], lines
    assert lines[4].split()[:5] == ["new-domain", "2", "2", "0", "1"], lines
    assert lines[5].split() == ["new-recipient", "2", "0", "0", "1", "-"], lines
    assert report(composer)["confirmation_screens"] == {"none": 0, "one_key": 0, "full": 1}
    assert report(composer)["rushed_confirmations"] == 1
    # A window that starts in the future has nothing.
    assert report(composer, "--since", "2999-01-01")["messages"] == 0

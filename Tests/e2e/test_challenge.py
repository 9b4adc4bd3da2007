"""End-to-end tests of the confirmation screen's challenges (issue 15, item 4; docs/policy.md,
"Challenges"), in a real terminal (tmux) with the real SMTP server: a look-alike domain whose
rule is set to confirm asks for the domain, and nothing is sent until it is typed right; ticks
given at machine speed make `y` ask a challenge first; ticks given at a reader's pace do not.
"""

from __future__ import annotations

import json
import subprocess
import time

from test_compose import only_transaction, start
from email import message_from_bytes, policy as email_policy

from test_confirm_quiet import org_policy, run
from test_confirm import NO_ORG_POLICY, fill, launch, open_confirm, rule_ids, seed_sent, ticked_count
from tui import ComposerHome, Pane, binary_path, composer, on_confirmation_screen, status_line  # noqa: F401

SEND_TIMEOUT = 20.0


def lookalike_home(tmp_path, smtp_server, config_for) -> ComposerHome:
    from tui import AUTH_USERS
    server = smtp_server(starttls=True, auth_users=AUTH_USERS)
    config = config_for(server, extra_lines=["[policy.rules.lookalike-domain]", 'severity = "confirm"'])
    return ComposerHome(tmp_path / "gm", config, server, binary_path())


def report(home: ComposerHome) -> dict:
    done = subprocess.run([str(home.binary), "report", "--json"], env=home.env({"GUARDMAIL_POLICY": NO_ORG_POLICY}),
                          cwd=home.work, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return {rule["rule"]: rule for rule in json.loads(done.stdout)["rules"]}


def test_a_lookalike_set_to_confirm_is_sent_only_after_its_domain_is_typed(tmp_path, smtp_server, config_for):
    home = lookalike_home(tmp_path, smtp_server, config_for)
    try:
        seed_sent(home, "hanako@example.jp")
        pane = launch(home, width=120)
        fill(pane, to="bob@examp1e.jp", subject="見積", body=["Hello."])
        screen = open_confirm(pane)
        assert "lookalike-domain" in rule_ids(screen), pane.framed(screen)
        assert "(look-alike domain) Type the domain examp1e.jp to confirm it:" in screen, pane.framed(screen)

        # Everything ticked: y is still refused, and the cursor goes to the challenge.
        pane.tick_everything()
        pane.keys("y")
        screen = pane.wait_for(lambda s: status_line(s).strip().startswith("Type the domain examp1e.jp in its row"),
                               what="the challenge asked")
        # The domain it imitates is the wrong answer: said so, nothing sent.
        pane.text("example.jp")
        pane.keys("Enter")
        screen = pane.wait_for(lambda s: "is not the domain examp1e.jp" in status_line(s), what="the wrong answer")
        assert status_line(screen).strip().startswith("'example.jp' is not the domain examp1e.jp"), pane.framed(screen)
        time.sleep(0.5)
        assert home.server.connections == 0 and on_confirmation_screen(pane.screen()), home.server.summary()

        for _ in range(len("example.jp")):
            pane.keys("BSpace")
        pane.text("examp1e.jp")
        pane.keys("Enter")
        pane.wait_for(lambda s: status_line(s).strip().startswith("Answered."), what="the right answer")
        assert home.server.connections == 0, home.server.summary()
        # y now sends (after the pace's own challenge: these ticks were a script's).
        pane.confirm_everything(tick=False)
        assert pane.wait_exit(SEND_TIMEOUT) == 0, pane.framed()
        tx = only_transaction(home.server)
        assert tx.rcpt_tos == ["bob@examp1e.jp"], home.server.summary()

        # The journal: the look-alike was accepted by its challenge.
        rules = report(home)
        lookalike = rules["lookalike-domain"]
        assert (lookalike["fired"], lookalike["accepted"], lookalike["challenged"]) == (1, 1, 1), rules
    finally:
        home.close()


def test_ticks_at_machine_speed_bring_a_challenge(composer):
    pane = launch(composer, width=140)
    fill(pane, to="hanako@partner.example, bob@client.example", subject="Figures", body=["Hello."])
    open_confirm(pane)
    pane.tick_everything()
    pane.keys("y")
    screen = pane.wait_for(
        lambda s: status_line(s).strip().startswith("Not sent: ticked faster than the items can be read"), what="the pace's challenge")
    assert "(ticked faster than the items can be read) Type the domain" in screen, pane.framed(screen)
    time.sleep(0.5)
    assert composer.server.connections == 0, composer.server.summary()
    # The challenge names one of the two domains; answered, the message goes.
    status = status_line(screen)
    assert "partner.example" in status or "client.example" in status, pane.framed(screen)
    pane.confirm_everything(tick=False)
    assert pane.wait_exit(SEND_TIMEOUT) == 0, pane.framed()
    tx = only_transaction(composer.server)
    assert sorted(tx.rcpt_tos) == ["bob@client.example", "hanako@partner.example"]

    # The journal keeps the challenge, the pace's reason with it; the report counts it as rushed.
    domain = "partner.example" if "partner.example" in status else "client.example"
    message_id = str(message_from_bytes(tx.raw, policy=email_policy.default)["Message-ID"]).strip()
    shown = run(composer, "journal", "show", message_id)
    assert shown.returncode == 0, shown.stderr
    assert ("Challenges: typed the domain %s [ticked faster than the items can be read]" % domain) in shown.stdout, shown.stdout
    as_json = run(composer, "journal", "show", "--json", message_id)
    assert as_json.returncode == 0, as_json.stderr
    challenges = json.loads(as_json.stdout)["challenges"]
    assert [(c["form"], c["subject"], c["rushed"]) for c in challenges] == [("domain", domain, True)], challenges
    text = run(composer, "report", "--since", "all")
    assert text.returncode == 0, text.stderr
    assert "rushed: 1 confirmation ticked faster than the items can be read (a challenge was asked)" in text.stdout, text.stdout
    counted = run(composer, "report", "--since", "all", "--json")
    assert counted.returncode == 0, counted.stderr
    assert json.loads(counted.stdout)["rushed_confirmations"] == 1, counted.stdout


def test_ticks_at_a_readers_pace_send_without_a_challenge(composer, tmp_path):
    # Two short, known recipients (written to before: no finding), each ticked after longer than
    # its reading time (0.3 s + 25 columns a second: under 1 s for these). Known recipients with
    # nothing attached get the one-key screen; the organisation's always_full asks their ticks.
    seed_sent(composer, "a@b.jp, c@d.jp")
    policy = org_policy(tmp_path, "[confirmation]\nalways_full = true\n")
    pane = start(composer, env={"GUARDMAIL_POLICY": policy}, width=120)
    fill(pane, to="a@b.jp, c@d.jp", subject="Hi", body=["Hello."])
    screen = open_confirm(pane)
    assert rule_ids(screen) == [], pane.framed(screen)
    for count in (1, 2):
        time.sleep(1.2)
        pane.keys("Space")
        pane.wait_for(lambda s: ticked_count(s) == count, what="%d ticked" % count)
    time.sleep(1.2)
    pane.keys("y")
    assert pane.wait_exit(SEND_TIMEOUT) == 0, pane.framed()
    tx = only_transaction(composer.server)
    assert sorted(tx.rcpt_tos) == ["a@b.jp", "c@d.jp"]
    # Nothing was rushed: the report counts no rushed confirmation.
    counted = run(composer, "report", "--since", "all", "--json")
    assert counted.returncode == 0, counted.stderr
    assert json.loads(counted.stdout)["rushed_confirmations"] == 0, counted.stdout

"""End-to-end (tmux): a damaged outbox entry never stops the composer.

Before, a `state.toml` with a huge time value made the composer trap at start (it adopts
interrupted messages and shows their countdown). Now it starts, the outbox screen lists the
entry as damaged with its folder and what is wrong, nothing is sent, and `d d` removes it.
"""

from __future__ import annotations

import re
import time

import pytest

from test_hold import (BODY, SUBJECT, TO, hold_routine, launch, launch_any, outbox_dir,
                       outbox_ids, set_hold)
from test_confirm import fill
from tui import composer  # noqa: F401


@pytest.mark.parametrize("file,pattern,replacement,shown", [
    ("state.toml", r"(?m)^release_at = .*$", "release_at = 1e300",
     r"damaged: state\.toml:\d+: 'release_at' must be a time"),
    ("record.toml", r"(?m)^message_offset = .*$", "message_offset = 9223372036854775807",
     r"damaged: record\.toml:\d+: 'message_offset' must be between"),
])
def test_a_damaged_entry_is_shown_and_removable_and_the_composer_starts(composer, file, pattern,
                                                                          replacement, shown):
    set_hold(composer, 60)
    pane = launch(composer)
    fill(pane, to=TO, subject=SUBJECT, body=BODY)
    hold_routine(pane)
    pane.keys("C-c")
    pane.wait_exit(10)
    [outbox_id] = outbox_ids(composer)
    path = outbox_dir(composer) / outbox_id / file
    text = path.read_text(encoding="utf-8")
    text, count = re.subn(pattern, replacement, text)
    assert count == 1, text
    path.write_text(text, encoding="utf-8")

    again = launch_any(composer)
    screen = again.wait_for(lambda s: "damaged" in s and outbox_id in s, timeout=20,
                            what="the damaged entry listed")
    # The row shows the folder, and the file, line and key first (the value may be cut off).
    assert re.search(shown, screen), again.framed(screen)
    time.sleep(1.0)
    composer.server.settle(10)
    assert composer.server.connections == 0, composer.server.summary()
    again.keys("d")
    again.wait_for(lambda s: "Press d again" in s, what="the discard question")
    again.keys("d")
    again.wait_for(lambda s: "The outbox is empty" in s, timeout=20, what="the entry removed")
    assert outbox_ids(composer) == []
    assert composer.server.connections == 0, composer.server.summary()

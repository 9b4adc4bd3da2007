#!/usr/bin/env bash
# make demo: a local capture SMTP server, a demo config, and a sample send through guardmail.
# Everything stays on 127.0.0.1; the captured mail lands in a Maildir under demo-data/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
PY=/usr/bin/python3
BIN="${GUARDMAIL_BIN:-$root/.build/debug/guardmail}"
demo="$root/demo-data"
# guardmail refuses a config that others can write, or that sits in a folder others can write.
umask 077
mkdir -p "$demo/config/guardmail" "$demo/data" "$demo/maildir"
chmod go-w "$demo/config/guardmail"

# The capture server: plaintext on loopback (a local test server), Maildir capture.
log="$demo/server.log"
$PY Tests/e2e/smtpserver.py --maildir "$demo/maildir" --insecure >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$port" ] && break
  kill -0 $server 2>/dev/null || { cat "$log" >&2; echo "demo: the capture server did not start" >&2; exit 69; }
  sleep 0.1
done
[ -n "$port" ] || { echo "demo: the capture server did not report its port" >&2; exit 69; }

cat >"$demo/config/guardmail/config.toml" <<TOML
# Written by make demo: a local capture server, plaintext on loopback only.
default_account = "demo"

[accounts.demo]
from = "山田 太郎 <taro@example.co.jp>"
smtp_url = "smtp://127.0.0.1:$port"
insecure = true

# Short holds for the demo (the defaults are 10 s internal only, 60 s with outside recipients).
[policy]
hold_internal_seconds = 5
hold_external_seconds = 8
TOML
chmod 600 "$demo/config/guardmail/config.toml"  # a file kept from an earlier run keeps its old mode

printf '鈴木様\n\nいつもお世話になっております。\n2026年度のお見積書を添付いたします。\nご確認のほど、よろしくお願いいたします。\n\n山田 太郎\n' >"$demo/body.txt"
attachment="$demo/お見積書_2026年度.csv"
printf '品目,数量,単価\nサーバー保守,12,50000\nサポート,1,120000\n' >"$attachment"

echo "Capture server: 127.0.0.1:$port, mail captured in $demo/maildir/new"
echo "Config: $demo/config/guardmail/config.toml"
echo
gm() { XDG_CONFIG_HOME="$demo/config" XDG_DATA_HOME="$demo/data" LANG=C.UTF-8 "$BIN" "$@"; }
send_sample() {
  gm send --to '鈴木 花子 <hanako@example.jp>' --subject "$1" \
    --body-file "$demo/body.txt" --attach "$attachment" --accept new-domain --accept external-attachment
}

# 1. Undo: the message waits in the outbox; cancelling it from another terminal sends nothing.
echo "1) A send is held first. Cancelled from another terminal during the hold, nothing is sent:"
echo "\$ guardmail send --to '鈴木 花子 <hanako@example.jp>' … --accept new-domain --accept external-attachment &"
before=$(ls "$demo/maildir/new" 2>/dev/null | wc -l)
send_sample '【ご案内】取り消す見積書' 2>"$demo/send.err" &
sender=$!
id=""
for _ in $(seq 1 100); do
  id=$(sed -n 's/^guardmail: held as \([^:]*\):.*/\1/p' "$demo/send.err" | head -1)
  [ -n "$id" ] && break
  sleep 0.1
done
cat "$demo/send.err"
echo "\$ guardmail outbox list"
gm outbox list
echo "\$ guardmail outbox cancel $id"
gm outbox cancel "$id"
wait $sender || true
echo "The capture server received $(( $(ls "$demo/maildir/new" | wc -l) - before )) message(s)."
echo

# 2. The same message, left to run: the countdown on standard error, then the submission.
# Without a terminal, the policy's findings must be accepted by id (the composer asks instead).
echo "2) Sent for real after its hold (8 s with an outside recipient in this demo):"
echo "\$ guardmail send --to '鈴木 花子 <hanako@example.jp>' --subject '【ご案内】2026年度 お見積書の送付' --body-file body.txt --attach お見積書_2026年度.csv --accept new-domain --accept external-attachment"
send_sample '【ご案内】2026年度 お見積書の送付'
echo

show_received() {
  # What the server received, decoded by Python's email package (an independent parser).
  for _ in $(seq 1 50); do [ -n "$(ls -A "$demo/maildir/new" 2>/dev/null)" ] && break; sleep 0.1; done
  newest=$(ls -t "$demo/maildir/new" | head -1)
  echo "The server received $demo/maildir/new/$newest:"
  $PY - "$demo/maildir/new/$newest" <<'PY'
import email, email.policy, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
for name in ("From", "To", "Cc", "Subject", "Date", "Message-ID"):
    if msg[name]:
        print(f"  {name}: {msg[name]}")
print(f"  Bcc header present: {'Bcc' in msg}")
for part in msg.walk():
    if part.get_filename():
        print(f"  attachment: {part.get_filename()} ({part.get_content_type()}, {len(part.get_payload(decode=True))} bytes)")
    elif part.get_content_type() == "text/plain":
        print("  body:")
        for line in part.get_content().splitlines():
            print("    " + line)
PY
}
show_received
echo
echo "3) The send journal (guardmail journal):"
gm journal
echo

# With a terminal, open the composer against the same server: write a mail, confirm it, watch the
# countdown and undo it with u (or let it go); the sample file is already attached.
if [ -t 0 ] && [ -t 1 ]; then
  echo
  echo "Opening the composer (the sample file is attached). y opens the confirmation screen; tick each"
  echo "item with Space, y again: the countdown starts. Press u to take it back, or wait. ? shows the keys."
  sleep 2
  before=$(ls "$demo/maildir/new" | wc -l)
  gm compose --attach "$attachment" || true
  if [ "$(ls "$demo/maildir/new" | wc -l)" -gt "$before" ]; then
    echo
    show_received
  fi
else
  echo
  echo "(No terminal: skipped the interactive composer. Run 'make demo' in a terminal to write a mail.)"
fi

"""End-to-end tests of `guardmail check FILE.eml`: the sending policy (docs/policy.md) run on
message files.

The .eml files in fixtures/eml/ are written by `build_fixtures()` below (CRLF line ends,
RFC 2047 headers in UTF-8 and ISO-2022-JP, ISO-2022-JP / base64 / quoted-printable bodies,
multipart with a CSV attachment named with RFC 2231).  Regenerate them with

    /usr/bin/python3 Tests/e2e/test_check.py

`test_fixture_files_are_current` fails when the files on disk differ from what the generator
writes, so the table below always runs on the messages described here.

Each row: a file, the environment it is checked in (seeded sent history, an address book in
the config, an organisation policy), the expected exit status and the exact set of rule ids
(with severities) in the `--json` output.
"""

from __future__ import annotations

import base64
import json
import quopri
import re
import resource
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from conftest import binary_path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "eml"

SENDER_HEADER_NAME = "山田 太郎"
SENDER = "taro@example.jp"


# --------------------------------------------------------------------------
# Numbers that the sensitive-data rule must find (computed, so the fixtures can be trusted)


def my_number_check_digit(first11: str) -> int:
    """The check digit of a My Number (個人番号) from its first 11 digits (docs/policy.md)."""
    assert len(first11) == 11 and first11.isdigit()
    total = 0
    for n in range(1, 12):
        q = int(first11[-n])
        p = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_complete(prefix: str) -> str:
    for last in "0123456789":
        if luhn_valid(prefix + last):
            return prefix + last
    raise AssertionError("unreachable")


MY_NUMBER_FIRST11 = "31415926535"
MY_NUMBER = MY_NUMBER_FIRST11 + str(my_number_check_digit(MY_NUMBER_FIRST11))
# The same first 11 digits with a wrong check digit: not a My Number.
MY_NUMBER_BAD = MY_NUMBER_FIRST11 + str((my_number_check_digit(MY_NUMBER_FIRST11) + 1) % 10)
MY_NUMBER_GROUPED = "%s-%s-%s" % (MY_NUMBER[:4], MY_NUMBER[4:8], MY_NUMBER[8:])
CARD = luhn_complete("498012345678901")  # 16 digits, Luhn-valid
CARD_GROUPED = " ".join(CARD[i:i + 4] for i in range(0, 16, 4))


def test_the_numbers_themselves():
    # The documented example, so that the check digit code above is the documented one.
    assert my_number_check_digit("12345678901") == 8
    assert MY_NUMBER != MY_NUMBER_BAD and len(MY_NUMBER) == 12
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert luhn_valid(CARD) and len(CARD) == 16


# --------------------------------------------------------------------------
# Writing the fixtures


def encoded_word(text: str, charset: str = "UTF-8") -> str:
    codec = {"UTF-8": "utf-8", "ISO-2022-JP": "iso2022_jp"}[charset]
    return "=?%s?B?%s?=" % (charset, base64.b64encode(text.encode(codec)).decode("ascii"))


def base64_lines(data: bytes) -> List[str]:
    text = base64.b64encode(data).decode("ascii")
    return [text[i:i + 76] for i in range(0, len(text), 76)]


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


FROM_HEADER = "From: %s <%s>" % (encoded_word(SENDER_HEADER_NAME), SENDER)


def common_headers(number: int, subject: str, charset: str = "UTF-8") -> List[str]:
    return [
        FROM_HEADER,
        "Date: Mon, 01 Jun 2026 10:%02d:00 +0900" % number,
        "Message-ID: <fixture-%02d@example.jp>" % number,
        "Subject: " + encoded_word(subject, charset),
        "MIME-Version: 1.0",
    ]


def text_part_headers(charset: str, encoding: str) -> List[str]:
    return ["Content-Type: text/plain; charset=%s" % charset,
            "Content-Transfer-Encoding: %s" % encoding]


def encode_body(text: str, charset: str, encoding: str) -> bytes:
    """The body as it goes on the wire, CRLF line ends."""
    raw = crlf(text).encode({"UTF-8": "utf-8", "ISO-2022-JP": "iso2022_jp"}[charset])
    if encoding == "7bit" or encoding == "8bit":
        return raw
    if encoding == "base64":
        return ("\r\n".join(base64_lines(raw)) + "\r\n").encode("ascii")
    if encoding == "quoted-printable":
        # quopri encodes CR; encode the LF-only text and put CRLF back afterwards.
        lf = text.encode("utf-8")
        return crlf(quopri.encodestring(lf).decode("ascii")).encode("ascii")
    raise ValueError(encoding)


def simple_message(number: int, headers: List[str], subject: str, body: str, *,
                   charset: str = "UTF-8", encoding: str = "base64") -> bytes:
    head = common_headers(number, subject, "ISO-2022-JP" if charset == "ISO-2022-JP" else "UTF-8")
    head += headers + text_part_headers(charset, encoding)
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + encode_body(body, charset, encoding)


CSV_NAME = "顧客一覧.csv"
CSV_TEXT = (
    "氏名,個人番号,電話\n"
    "山田 一郎,%s,03-1234-5678\n"
    "佐藤 二郎,%s,03-2345-6789\n" % (MY_NUMBER, MY_NUMBER_BAD)
)

HISTORY_DOMAIN = "yamada-shoji.co.jp"
LOOKALIKE_DOMAIN = "yarnada-shoji.co.jp"  # 'rn' reads as 'm'

BOOK_COMPANY = "株式会社クライアント"
ADDRESS_BOOK = (
    "# guardmail e2e address book\n"
    "[%s]\n"
    "山田 花子 <hanako@client.co.jp>\n"
    "Jiro Sato <jiro@client.co.jp>\n"
    "[]\n" % BOOK_COMPANY
)


def build_fixtures() -> Dict[str, bytes]:
    files: Dict[str, bytes] = {}

    files["clean_internal.eml"] = simple_message(
        1, ["To: %s <ichiro@example.jp>" % encoded_word("佐藤 一郎"),
            "Cc: hanako@example.jp"],
        "【社内】定例会議の議事録",
        "佐藤さん\n\n本日の定例会議の議事録です。\n次回は6月8日10時からです。\n")

    files["new_domain_iso2022jp.eml"] = simple_message(
        2, ["To: %s <hanako.suzuki@client.co.jp>" % encoded_word("鈴木 花子", "ISO-2022-JP")],
        "お打ち合わせの日程について",
        "鈴木様\n\nいつもお世話になっております。\n来週のお打ち合わせの日程をご相談させてください。\n",
        charset="ISO-2022-JP", encoding="7bit")

    to12 = ["customer%02d@kokyaku.co.jp" % i for i in range(1, 13)]
    files["bulk_12_in_to.eml"] = simple_message(
        3, ["To: " + ",\r\n ".join(to12), "Cc: hanako@example.jp"],
        "【ご案内】新製品発表会のお知らせ",
        "お客様各位\n\n新製品発表会を下記のとおり開催いたします。\n",
        encoding="8bit")

    # Really bulk: 24 customers in To (bulk-visible-recipients blocks from 20 addresses).
    to24 = ["customer%02d@kokyaku.co.jp" % i for i in range(1, 25)]
    files["bulk_24_in_to.eml"] = simple_message(
        12, ["To: " + ",\r\n ".join(to24), "Cc: hanako@example.jp"],
        "【ご案内】新製品発表会のお知らせ",
        "お客様各位\n\n新製品発表会を下記のとおり開催いたします。\n",
        encoding="8bit")

    files["lookalike_domain.eml"] = simple_message(
        4, ["To: %s <eigyo@%s>" % (encoded_word("山田商事 営業部"), LOOKALIKE_DOMAIN)],
        "ご注文の確認",
        "山田商事 営業部 御中\n\nご注文の内容を確認いたしました。\n")

    files["forgotten_attachment_iso2022jp.eml"] = simple_message(
        5, ["To: %s <ichiro@example.jp>" % encoded_word("佐藤 一郎", "ISO-2022-JP")],
        "会議資料",
        "佐藤さん\n\n> 添付の件、承知しました。\n資料を添付します。\nご確認ください。\n",
        charset="ISO-2022-JP", encoding="7bit")

    files["quoted_attachment_only.eml"] = simple_message(
        6, ["To: ichiro@example.jp"],
        "Re: 会議資料",
        "佐藤さん\n\n> 資料を添付します。\n＞ 別添の資料もご覧ください。\n了解しました。\n"
        "-- \n山田 太郎（添付ファイルは社外秘です）\n",
        encoding="quoted-printable")

    boundary = "=_guardmail_e2e_boundary_7"
    csv_bytes = CSV_TEXT.replace("\n", "\r\n").encode("utf-8")
    quoted_name = urllib.parse.quote(CSV_NAME.encode("utf-8"), safe="")
    head = common_headers(7, "顧客一覧の送付") + [
        "To: %s <ichiro@example.jp>" % encoded_word("佐藤 一郎"),
        'Content-Type: multipart/mixed; boundary="%s"' % boundary,
    ]
    parts = [
        "\r\n".join(text_part_headers("UTF-8", "base64")) + "\r\n\r\n"
        + "\r\n".join(base64_lines(crlf("佐藤さん\n\n顧客一覧をお送りします。\n").encode("utf-8"))),
        "\r\n".join([
            'Content-Type: text/csv; charset=UTF-8; name="%s"' % encoded_word(CSV_NAME),
            "Content-Disposition: attachment;\r\n filename*=UTF-8''%s" % quoted_name,
            "Content-Transfer-Encoding: base64",
        ]) + "\r\n\r\n" + "\r\n".join(base64_lines(csv_bytes)),
    ]
    text = "\r\n".join(head) + "\r\n\r\nThis is a multi-part message in MIME format.\r\n"
    for part in parts:
        text += "\r\n--%s\r\n%s\r\n" % (boundary, part)
    text += "\r\n--%s--\r\n" % boundary
    files["my_number_in_csv.eml"] = text.encode("ascii")

    files["card_number_in_body.eml"] = simple_message(
        8, ["To: keiri@example.jp"],
        "法人カードの件",
        "経理部 御中\n\n法人カードの番号は %s です。\nよろしくお願いします。\n" % CARD_GROUPED,
        encoding="quoted-printable")

    files["namesake.eml"] = simple_message(
        9, ["To: %s <hanako@other-corp.jp>" % encoded_word("山田\u3000花子 様")],
        "お見積りの件",
        "山田様\n\nお見積りの件でご連絡いたしました。\n")

    # A text file sent as application/octet-stream: check must look at what the bytes are (as
    # send does), not at the declared type.
    boundary = "=_guardmail_e2e_boundary_10"
    head = common_headers(10, "データの送付") + [
        "To: ichiro@example.jp",
        'Content-Type: multipart/mixed; boundary="%s"' % boundary,
    ]
    parts = [
        "\r\n".join(text_part_headers("UTF-8", "base64")) + "\r\n\r\n"
        + "\r\n".join(base64_lines(crlf("佐藤さん\n\nデータをお送りします。\n").encode("utf-8"))),
        "\r\n".join([
            'Content-Type: application/octet-stream; name="data.txt"',
            'Content-Disposition: attachment; filename="data.txt"',
            "Content-Transfer-Encoding: base64",
        ]) + "\r\n\r\n" + "\r\n".join(base64_lines(CSV_TEXT.replace("\n", "\r\n").encode("utf-8"))),
    ]
    text = "\r\n".join(head) + "\r\n\r\nThis is a multi-part message in MIME format.\r\n"
    for part in parts:
        text += "\r\n--%s\r\n%s\r\n" % (boundary, part)
    text += "\r\n--%s--\r\n" % boundary
    files["my_number_as_octet_stream.eml"] = text.encode("ascii")

    # Three recipient addresses guardmail cannot read, next to one it can: none may vanish.
    files["unreadable_addresses.eml"] = simple_message(
        11, ['To: ichiro@example.jp, bad@@example.jp, "unterminated <x@example.jp>',
             "Cc: keiri@example.jp, nodomain@"],
        "宛先の確認",
        "本文\n")

    files["not_a_message.eml"] = crlf(
        "これはメールではありません。\n会議のメモ：来週の予定を確認すること\n").encode("utf-8")
    return files


def write_fixtures() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, data in build_fixtures().items():
        (FIXTURES / name).write_bytes(data)


def test_fixture_files_are_current():
    expected = build_fixtures()
    on_disk = {p.name: p.read_bytes() for p in FIXTURES.glob("*.eml")}
    assert sorted(on_disk) == sorted(expected), "run /usr/bin/python3 %s to regenerate" % __file__
    for name, data in expected.items():
        assert on_disk[name] == data, "%s is stale: run /usr/bin/python3 %s" % (name, __file__)
        # CRLF only: no bare LF, no bare CR.
        assert b"\n" not in data.replace(b"\r\n", b""), name
        assert b"\r" not in data.replace(b"\r\n", b""), name


# --------------------------------------------------------------------------
# Running check


NO_ORG_POLICY = "/nonexistent/guardmail-e2e/policy.toml"  # never the machine's /etc file


def seed_history(runner, *addresses: str) -> Path:
    """A message in the sent Maildir, as if sent before: what `new-domain` and
    `lookalike-domain` know as domains written to."""
    cur = runner.data_home / "guardmail" / "sent" / "cur"
    cur.mkdir(parents=True, exist_ok=True)
    path = cur / "1780000000.M1P1.e2e-seed:2,S"
    path.write_bytes(crlf(
        "From: %s <%s>\n"
        "To: %s\n"
        "Subject: =?UTF-8?B?%s?=\n"
        "Date: Mon, 04 May 2026 09:00:00 +0900\n"
        "Message-ID: <seed@example.jp>\n"
        "\n"
        "seed\n" % (encoded_word(SENDER_HEADER_NAME), SENDER, ", ".join(addresses),
                     base64.b64encode("以前の連絡".encode()).decode())).encode("ascii"))
    return path


@dataclass
class Case:
    file: str
    code: int
    rules: Dict[str, str]                      # rule id -> severity, exactly
    messages: Dict[str, List[str]] = field(default_factory=dict)  # rule id -> substrings
    history: Tuple[str, ...] = ("info@%s" % HISTORY_DOMAIN,)
    address_book: bool = False
    org_policy: Optional[str] = None
    secrets: Tuple[str, ...] = ()              # must appear nowhere in the output
    id: str = ""


CASES = [
    Case("clean_internal.eml", 0, {}, id="clean-internal"),
    Case("new_domain_iso2022jp.eml", 1, {"new-domain": "confirm", "new-recipient": "info"},
         {"new-domain": ["client.co.jp"], "new-recipient": ["hanako.suzuki@client.co.jp"]},
         id="new-domain-iso2022jp"),
    Case("new_domain_iso2022jp.eml", 0, {},
         history=("sales@client.co.jp", "hanako.suzuki@client.co.jp"),
         id="known-domain-and-address-from-history"),
    # 12 in one domain is asked about, not blocked (docs/policy.md: blocked from 20 addresses).
    Case("bulk_12_in_to.eml", 1,
         {"bulk-visible-recipients": "confirm", "new-domain": "confirm", "new-recipient": "info"},
         {"bulk-visible-recipients": ["12 external recipients in 1 domain", "10 addresses or more"],
          "new-domain": ["kokyaku.co.jp"]},
         id="bulk-12-in-to"),
    Case("bulk_24_in_to.eml", 2,
         {"bulk-visible-recipients": "block", "new-domain": "confirm", "new-recipient": "info"},
         {"bulk-visible-recipients": ["24 external recipients in 1 domain", "bulk: 5 domains or 20 addresses"],
          "new-domain": ["kokyaku.co.jp"]},
         id="bulk-24-in-to"),
    Case("lookalike_domain.eml", 2,
         {"lookalike-domain": "block", "new-domain": "confirm", "new-recipient": "info"},
         {"lookalike-domain": [LOOKALIKE_DOMAIN, "looks like " + HISTORY_DOMAIN, "written to",
                               "'rn' reads as 'm'"]},
         id="lookalike-of-history-domain"),
    Case("lookalike_domain.eml", 1, {"new-domain": "confirm", "new-recipient": "info"},
         history=("info@unrelated-firm.co.jp",), id="lookalike-needs-the-known-domain"),
    Case("forgotten_attachment_iso2022jp.eml", 1, {"forgotten-attachment": "confirm"},
         {"forgotten-attachment": ["line 4 says '添付'", "nothing is attached"]},
         id="forgotten-attachment-iso2022jp"),
    Case("quoted_attachment_only.eml", 0, {}, id="quoted-and-signature-lines-do-not-count"),
    Case("my_number_in_csv.eml", 1, {"sensitive-data": "confirm"},
         {"sensitive-data": ["1 My Number", "attachment '%s' line 2" % CSV_NAME]},
         secrets=(MY_NUMBER, MY_NUMBER_GROUPED, MY_NUMBER_BAD), id="my-number-in-csv"),
    Case("my_number_as_octet_stream.eml", 1, {"sensitive-data": "confirm"},
         {"sensitive-data": ["1 My Number", "attachment 'data.txt' line 2"]},
         secrets=(MY_NUMBER, MY_NUMBER_GROUPED, MY_NUMBER_BAD), id="my-number-in-octet-stream-text"),
    Case("card_number_in_body.eml", 1, {"sensitive-data": "confirm"},
         {"sensitive-data": ["1 card number", "body line 3"]},
         secrets=(CARD, CARD_GROUPED, CARD[-4:] + " "), id="card-number-in-body"),
    # The body opens with 山田様, whom the address book ties to client.co.jp: salutation-mismatch
    # sees the same mix-up from the text.
    Case("namesake.eml", 1,
         {"namesake": "confirm", "new-domain": "confirm", "salutation-mismatch": "confirm",
          "new-recipient": "info"},
         {"namesake": ["hanako@client.co.jp", BOOK_COMPANY, "hanako@other-corp.jp",
                       "another domain"]},
         address_book=True, id="namesake-from-address-book"),
    Case("namesake.eml", 1, {"new-domain": "confirm", "new-recipient": "info"},
         id="namesake-needs-the-address-book"),
    Case("new_domain_iso2022jp.eml", 2, {"new-domain": "block", "new-recipient": "info"},
         {"new-domain": ["client.co.jp"]},
         org_policy='[rules.new-domain]\nseverity = "block"\n', id="org-policy-new-domain-block"),
]

DECISIONS = {0: "clean", 1: "needs-confirmation", 2: "blocked"}


def check(guardmail, config_for, tmp_path, file: Path, *, history=(), address_book=False,
          org_policy=None, json_output=True):
    extra = []
    if address_book:
        book = tmp_path / "addressbook.txt"
        book.write_text(ADDRESS_BOOK, encoding="utf-8")
        extra = ["", "[policy]", 'address_book = "%s"' % book]
    org = NO_ORG_POLICY
    if org_policy is not None:
        org = str(tmp_path / "org-policy.toml")
        Path(org).write_text(org_policy, encoding="utf-8")
    if history:
        seed_history(guardmail, *history)
    config = config_for(url="smtp://127.0.0.1:25", extra_lines=extra)
    args = ["check", *(["--json"] if json_output else []), str(file)]
    return guardmail(args, config=config, env={"GUARDMAIL_POLICY": org})


def parse_json(result) -> dict:
    try:
        return json.loads(result.stdout)
    except ValueError as e:
        pytest.fail("--json printed no valid JSON (%s)\n%s" % (e, result.describe()), pytrace=False)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_check_table(guardmail, config_for, tmp_path, case):
    result = check(guardmail, config_for, tmp_path, FIXTURES / case.file, history=case.history,
                   address_book=case.address_book, org_policy=case.org_policy)
    report = parse_json(result)
    found = {f["rule"]: f["severity"] for f in report["findings"]}
    assert found == case.rules, result.describe()
    assert len(report["findings"]) == len(found), "a rule reported twice\n" + result.describe()
    assert result.code == case.code, result.describe()
    assert report["exit_code"] == case.code, result.describe()
    assert report["decision"] == DECISIONS[case.code], result.describe()
    for rule, parts in case.messages.items():
        message = next(f["message"] for f in report["findings"] if f["rule"] == rule)
        for part in parts:
            assert part in message, "%s: %r not in %r\n%s" % (rule, part, message, result.describe())
    for secret in case.secrets:
        for stream in (result.stdout, result.stderr):
            assert secret not in stream, "the output repeats the sensitive value %r\n%s" % (
                secret, result.describe())
    # Only address-book or parse warnings may go to stderr; nothing here warrants one.
    assert result.stderr == "", result.describe()


def test_text_output_matches_json(guardmail, config_for, tmp_path):
    """Without --json: one line per finding (severity, rule id, message), then the verdict."""
    file = FIXTURES / "bulk_24_in_to.eml"
    result = check(guardmail, config_for, tmp_path, file, json_output=False)
    assert result.code == 2, result.describe()
    lines = result.stdout.splitlines()
    assert lines[-1] == "%s: blocked (3 findings)" % file, result.describe()
    assert re.match(r"^BLOCK +bulk-visible-recipients: 24 external recipients in 1 domain .*"
                    r"\(fixes: move-to-bcc, send-individually\)$", lines[0]), result.describe()
    assert [l.split()[:2] for l in lines[:-1]] == [
        ["BLOCK", "bulk-visible-recipients:"], ["CONFIRM", "new-domain:"],
        ["INFO", "new-recipient:"]], result.describe()


def test_json_shape(guardmail, config_for, tmp_path):
    file = FIXTURES / "bulk_24_in_to.eml"
    result = check(guardmail, config_for, tmp_path, file)
    report = parse_json(result)
    assert isinstance(report, dict), result.describe()
    assert report["decision"] == "blocked" and report["exit_code"] == 2 == result.code
    assert report["file"] == str(file)
    assert isinstance(report["findings"], list) and report["findings"], result.describe()
    for finding in report["findings"]:
        for key, kind in (("rule", str), ("severity", str), ("message", str), ("fixes", list)):
            assert isinstance(finding.get(key), kind), "%s: %r\n%s" % (key, finding, result.describe())
        assert finding["severity"] in ("info", "confirm", "block"), finding
        assert "\n" not in finding["message"], "a finding's message is one line: %r" % finding
        assert all(isinstance(fix, str) for fix in finding["fixes"]), finding
    bulk = next(f for f in report["findings"] if f["rule"] == "bulk-visible-recipients")
    assert bulk["fixes"] == ["move-to-bcc", "send-individually"], bulk
    assert all(f["fixes"] == [] for f in report["findings"] if f is not bulk), report
    # Blocking findings first, then confirm, then info.
    order = {"block": 0, "confirm": 1, "info": 2}
    severities = [order[f["severity"]] for f in report["findings"]]
    assert severities == sorted(severities), report

    clean = parse_json(check(guardmail, config_for, tmp_path, FIXTURES / "clean_internal.eml"))
    assert clean["decision"] == "clean" and clean["exit_code"] == 0 and clean["findings"] == [], clean


def test_unreadable_addresses_block(guardmail, config_for, tmp_path):
    """Every recipient address check cannot read is listed, and the verdict is never clean:
    guardmail would not send the message, and the policy never saw those recipients."""
    file = FIXTURES / "unreadable_addresses.eml"
    report = parse_json(check(guardmail, config_for, tmp_path, file))
    result = check(guardmail, config_for, tmp_path, file)
    assert result.code == 2, result.describe()
    assert report["decision"] == "blocked" and report["exit_code"] == 2, report
    problems = report["unreadable_addresses"]
    assert len(problems) == 3, report
    assert [p.split(":")[0] for p in problems] == ["To", "To", "Cc"], report
    assert any("bad@@example.jp" in p or "'@'" in p for p in problems), report
    # The readable recipients were still checked (both internal: no findings).
    assert report["findings"] == [], report

    text = check(guardmail, config_for, tmp_path, file, json_output=False)
    assert text.code == 2, text.describe()
    lines = text.stdout.splitlines()
    assert [l.split()[0] for l in lines[:-1]] == ["UNREADABLE"] * 3, text.describe()
    assert lines[-1] == "%s: blocked (0 findings, 3 unreadable addresses)" % file, text.describe()


def test_not_a_message(guardmail, config_for, tmp_path):
    file = FIXTURES / "not_a_message.eml"
    for args in (["check", str(file)], ["check", "--json", str(file)]):
        result = guardmail(args, config=config_for(url="smtp://127.0.0.1:25"),
                           env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
        assert result.code >= 64, result.describe()
        assert result.stdout == "", "nothing on stdout (no half report)\n" + result.describe()
        assert str(file) in result.stderr, result.describe()
        assert "not a mail message" in result.stderr, result.describe()
        # The offending line is quoted as it is in the file (its CRLF line end is no part of it).
        assert "'これはメールではありません。'" in result.stderr, result.describe()
        assert len(result.stderr.splitlines()) == 1, result.describe()


def test_missing_file(guardmail, tmp_path):
    missing = tmp_path / "nonexistent.eml"
    result = guardmail(["check", "--json", str(missing)], env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
    assert result.code >= 64, result.describe()
    assert result.stdout == ""
    assert str(missing) in result.stderr, result.describe()


def many_parts_message(count: int, identical: bool = False) -> bytes:
    """A message with `count` small text attachments, the last a CSV with a My Number; the
    others all alike, or each different."""
    boundary = "=_guardmail_e2e_many_parts"
    head = common_headers(99, "多数の添付") + [
        "To: %s <ichiro@example.jp>" % encoded_word("佐藤 一郎"),
        'Content-Type: multipart/mixed; boundary="%s"' % boundary,
    ]
    chunks = ["\r\n".join(head), "\r\n\r\nThis is a multi-part message in MIME format.\r\n",
              "\r\n--%s\r\n" % boundary,
              "\r\n".join(text_part_headers("UTF-8", "base64")) + "\r\n\r\n"
              + "\r\n".join(base64_lines(crlf("添付が多いメールです。\n").encode("utf-8"))) + "\r\n"]
    for index in range(count - 1):
        chunks.append("\r\n--%s\r\nContent-Type: text/plain; charset=us-ascii; name=\"p%d.txt\"\r\n"
                      "Content-Disposition: attachment; filename=\"p%d.txt\"\r\n\r\npart %s of many\r\n"
                      % (boundary, index, index, "x" if identical else index))
    csv_bytes = CSV_TEXT.replace("\n", "\r\n").encode("utf-8")
    chunks.append("\r\n--%s\r\nContent-Type: text/csv; charset=UTF-8; name=\"last.csv\"\r\n"
                  "Content-Disposition: attachment; filename=\"last.csv\"\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n"
                  % (boundary, "\r\n".join(base64_lines(csv_bytes))))
    chunks.append("\r\n--%s--\r\n" % boundary)
    return "".join(chunks).encode("ascii")


@pytest.mark.parametrize("identical", [False, True], ids=["different", "identical"])
def test_a_message_with_20000_parts(guardmail, config_for, tmp_path, identical):
    """Every part is inspected (the My Number in the last one is found) with a descriptor
    limit far below the number of parts: before, each part kept a file open until all were
    inspected ("too many open files"). Identical parts are inspected once, with the same
    verdict."""
    file = tmp_path / "many_parts.eml"
    file.write_bytes(many_parts_message(20000, identical))
    config = config_for(url="smtp://127.0.0.1:25")
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config, encoding="utf-8")

    def limit_descriptors():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    proc = subprocess.run([str(binary_path()), "check", "--json", str(file)],
                          capture_output=True, env=guardmail.env({"GUARDMAIL_POLICY": NO_ORG_POLICY}),
                          cwd=guardmail.tmp, timeout=600, preexec_fn=limit_descriptors,
                          stdin=subprocess.DEVNULL)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "too many open files" not in stderr.lower(), stderr
    assert proc.returncode == 1, "exit %d\n%s" % (proc.returncode, stderr)
    report = json.loads(proc.stdout)
    findings = {f["rule"]: f for f in report["findings"]}
    assert set(findings) == {"sensitive-data"}, report
    assert "attachment 'last.csv' line 2" in findings["sensitive-data"]["message"], report


if __name__ == "__main__":
    write_fixtures()
    print("wrote %d files to %s" % (len(build_fixtures()), FIXTURES))
    sys.exit(0)

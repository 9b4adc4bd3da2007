"""`guardmail check --json` on messages with documents attached: the parties each file names
(with their places) and the `attachment-other-party` finding, on a PDF written by reportlab and a
workbook written by openpyxl (Tests/fixtures/make_documents.py)."""

from __future__ import annotations

import json
import subprocess
from email.message import EmailMessage
from pathlib import Path

from test_check import NO_ORG_POLICY

MAKE = Path(__file__).resolve().parent.parent / "fixtures" / "make_documents.py"

# The sender's own company is in the book too: a file that names it names no other party.
ADDRESS_BOOK = """[株式会社エグザンプル]
山田 太郎 <taro@example.jp>
[青空商事株式会社]
鈴木 花子 <hanako@aozora-shoji.jp>
[田中建設株式会社]
佐藤 一郎 <sato@tanaka-kensetsu.co.jp>
"""


def document(tmp_path: Path, kind: str, name: str, *extra: str) -> Path:
    path = tmp_path / name
    subprocess.run(["/usr/bin/python3", str(MAKE), kind, str(path), *extra], check=True)
    return path


def message(tmp_path: Path, to: str, attachment: Path, subtype: str) -> Path:
    msg = EmailMessage()
    msg["From"] = "山田 太郎 <taro@example.jp>"
    msg["To"] = to
    msg["Subject"] = "お見積りの件"
    msg.set_content("お世話になっております。見積書をお送りします。")
    maintype, sub = subtype.split("/")
    msg.add_attachment(attachment.read_bytes(), maintype=maintype, subtype=sub, filename=attachment.name)
    path = tmp_path / "message.eml"
    path.write_bytes(bytes(msg))
    return path


def check(guardmail, config_for, tmp_path, file: Path) -> dict:
    book = tmp_path / "addressbook.txt"
    book.write_text(ADDRESS_BOOK, encoding="utf-8")
    config = config_for(url="smtp://127.0.0.1:25", extra_lines=["", "[policy]", 'address_book = "%s"' % book])
    result = guardmail(["check", "--json", str(file)], config=config, env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
    return result, json.loads(result.stdout)


def test_the_estimate_for_another_client_is_flagged_with_the_evidence(guardmail, config_for, tmp_path):
    pdf = document(tmp_path, "estimate-pdf", "見積書.pdf")
    result, report = check(guardmail, config_for, tmp_path, message(tmp_path, "鈴木 花子 <hanako@aozora-shoji.jp>", pdf, "application/pdf"))
    findings = {f["rule"]: f for f in report["findings"]}
    assert "attachment-other-party" in findings, result.describe()
    other = findings["attachment-other-party"]
    assert other["severity"] == "confirm"
    assert other["message"] == ("'見積書.pdf' names 田中建設株式会社 (page 1, line 3); "
                                "the recipients are at aozora-shoji.jp (青空商事株式会社)"), other
    assert other["subjects"] == [{"attachment": 0}]
    assert result.code == 1, result.describe()
    [attachment] = report["attachments"]
    assert attachment["name"] == "見積書.pdf" and attachment["contents_not_read"] is None
    assert {"name": "田中建設株式会社", "kind": "company", "place": "page 1, line 3"} in attachment["parties"], attachment
    assert {"name": "佐藤一郎", "kind": "person", "place": "page 1, line 4"} in attachment["parties"], attachment


def test_the_estimate_for_the_recipients_company_is_not(guardmail, config_for, tmp_path):
    pdf = document(tmp_path, "estimate-pdf", "見積書.pdf")
    result, report = check(guardmail, config_for, tmp_path, message(tmp_path, "佐藤 一郎 <sato@tanaka-kensetsu.co.jp>", pdf, "application/pdf"))
    assert "attachment-other-party" not in {f["rule"] for f in report["findings"]}, result.describe()


def test_a_workbook_of_customers_gives_cells_as_places(guardmail, config_for, tmp_path):
    xlsx = document(tmp_path, "customers-xlsx", "顧客.xlsx", "30")
    result, report = check(
        guardmail, config_for, tmp_path,
        message(tmp_path, "hanako@aozora-shoji.jp", xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    sensitive = next(f for f in report["findings"] if f["rule"] == "sensitive-data" and "email" in f["message"])
    assert sensitive["message"] == "30 email addresses (more than 20), first at attachment '顧客.xlsx' sheet '顧客一覧' cell C2", sensitive
    other = next(f for f in report["findings"] if f["rule"] == "attachment-other-party")
    assert other["message"].startswith("'顧客.xlsx' names 株式会社サンプル1 (sheet '顧客一覧' cell A2)"), other


def test_an_encrypted_pdf_says_its_contents_were_not_read(guardmail, config_for, tmp_path):
    pdf = document(tmp_path, "encrypted-pdf", "見積書.pdf")
    result, report = check(guardmail, config_for, tmp_path, message(tmp_path, "hanako@aozora-shoji.jp", pdf, "application/pdf"))
    assert report["attachments"] == [{"name": "見積書.pdf", "contents_not_read": "encrypted PDF, contents not read", "parties": []}], result.describe()


def test_the_journal_keeps_the_parties_a_sent_file_names(guardmail, config_for, smtp_server, tmp_path):
    """The estimate for 田中建設 sent (its findings accepted) through the real server: `journal show`
    lists the parties the PDF names with their places, `journal export` has them as data, and
    neither holds the file's text."""
    server = smtp_server(starttls=True, auth_users={"taro": "s3cret"})
    pdf = document(tmp_path, "estimate-pdf", "見積書.pdf")
    book = tmp_path / "addressbook.txt"
    book.write_text(ADDRESS_BOOK, encoding="utf-8")
    body = tmp_path / "body.txt"
    body.write_text("お世話になっております。見積書をお送りします。\n", encoding="utf-8")
    config = config_for(server, extra_lines=["", "[policy]", 'address_book = "%s"' % book])
    sent = guardmail(["send", "--to", "鈴木 花子 <hanako@aozora-shoji.jp>", "--subject", "お見積りの件", "--body-file", str(body),
                      "--attach", str(pdf), "--accept", "attachment-other-party", "--accept", "external-attachment",
                      "--accept", "new-domain"],
                     config=config, env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
    assert sent.code == 0, sent.describe()
    assert server.settle(10) and len(server.transactions) == 1, server.summary()
    export = guardmail(["journal", "export", "--format", "jsonl"])
    assert export.code == 0, export.describe()
    record = json.loads(export.stdout.splitlines()[0])
    [attachment] = record["attachments"]
    assert attachment["name"] == "見積書.pdf"
    parties = {(p["name"], p["kind"]): p["place"] for p in attachment["parties"]}
    assert parties.get(("田中建設株式会社", "company")) == "page 1, line 3", attachment["parties"]
    shown = guardmail(["journal", "show", record["message_id"]])
    names = next(line for line in shown.stdout.splitlines() if line.startswith("    names: "))
    assert "田中建設株式会社 (page 1, line 3)" in names, shown.stdout
    # Names and places only: no line of the document's text is in the journal's output.
    for text in ("下記の通り", "合計金額", "1,280,000"):
        assert text not in export.stdout and text not in shown.stdout, text

import Testing
@testable import Policy

@Suite("forgotten-attachment")
struct ForgottenAttachmentTests {
    @Test(
        "the sender's own lines mention an attachment and there is none",
        arguments: [
            ("Please find the report attached.", 1, "attached"),
            ("お世話になっております。\n資料を添付いたします。", 2, "添付"),
            ("見積書を別添にてお送りします。", 1, "別添"),
            ("請求書を同封しました。", 1, "同封"),
            ("本日、契約書を送付します。", 1, "送付します"),
            ("会議の資料をお送りいたします。", 1, "資料をお送り"),
            ("明細をお送りします。", 1, "明細をお送り"),
            ("ATTACHED: the minutes", 1, "attached"),
            ("See the enclosed form.", 1, "enclosed"),
            ("I attach the file", 1, "attach"),
            ("The attachment is below", 1, "attachment"),
            ("Two attachments follow", 1, "attachments"),
            ("I am attaching the file", 1, "attaching"),
            ("Enclosure: the invoice", 1, "enclosure"),
            ("契約書を送付いたします。", 1, "送付いたします"),
            ("明細をお送りいたします。", 1, "明細をお送り"),
            ("ａｔｔａｃｈｅｄ です", 1, "attached"), // full-width letters
            ("> old text\nsee attached\n", 2, "attached"),
            ("Hello\r\n\r\nsee attached\r\n", 3, "attached"), // CRLF
            ("first\n  資料を添付します\n-- \n山田", 2, "添付")
        ])
    func positive(body: String, line: Int, keyword: String) throws {
        let findings = run(ForgottenAttachmentRule(), try input(to: "a@client.jp", body: body))
        let f = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(f.message == "line \(line) says '\(keyword)' but nothing is attached")
        #expect(f.severity == .confirm)
        #expect(f.subjects == [.body])
    }

    @Test(
        "quoted lines, signatures, forwarded text, other words and real attachments are fine",
        arguments: [
            "> 資料を添付します\n承知しました。",
            ">> please see attached\nThanks",
            "　＞ 添付の件\nありがとうございます",
            "ありがとうございます。\n-- \n添付ファイルは送信前にご確認ください（署名）",
            "了解です\n\n-----Original Message-----\nFrom: x\n資料を添付します",
            "了解です\n---------- Forwarded message ---------\nsee attached",
            "了解です\n-----元のメッセージ-----\n添付します",
            "The attacker was stopped.", // not a whole word
            "unattached cable",
            "reattachment",
            "Nothing to see here.",
            ""
        ])
    func negative(body: String) throws {
        #expect(run(ForgottenAttachmentRule(), try input(to: "a@client.jp", body: body)).isEmpty)
    }

    @Test("every default keyword fires on its example sentence and names itself", arguments: ForgottenAttachmentRule.keywordTable.indices)
    func keywordTable(index: Int) throws {
        let entry = ForgottenAttachmentRule.keywordTable[index]
        let findings = run(ForgottenAttachmentRule(), try input(to: "a@client.jp", body: "いつもお世話になっております。\n" + entry.example))
        let f = try #require(findings.first, "\(entry.keyword): \(entry.example)")
        #expect(f.message == "line 2 says '\(entry.keyword)' but nothing is attached")
    }

    @Test(
        "stock phrases that announce information, not a file, do not fire",
        arguments: [
            "お送りします。", "お送りいたします。", "ご案内", "ご案内をお送りします。", "セミナーのご案内です。", "日程のご案内をお送りいたします。", "近況をお送りします。",
            "ご案内申し上げます。", "改めてご連絡をお送りします。", "お礼をお送りいたします。"
        ])
    func stockPhrases(body: String) throws {
        #expect(run(ForgottenAttachmentRule(), try input(to: "a@client.jp", body: body)).isEmpty, "\(body)")
    }

    @Test(
        "what names a file still fires: 添付, 別添, 資料をお送り, attached",
        arguments: [
            ("資料を添付します。", "添付"), ("詳細は別添をご覧ください。", "別添"), ("ご案内の資料をお送りします。", "資料をお送り"),
            ("Please see the attached.", "attached")
        ])
    func namesAFile(body: String, keyword: String) throws {
        let f = try #require(run(ForgottenAttachmentRule(), try input(to: "a@client.jp", body: body)).first, "\(body)")
        #expect(f.message == "line 1 says '\(keyword)' but nothing is attached")
    }

    @Test("a line '--' without the space is not a signature separator")
    func signatureNeedsSpace() throws {
        #expect(run(ForgottenAttachmentRule(), try input(body: "hi\n--\nsee attached")).count == 1)
    }

    @Test("an attachment silences it")
    func attached() throws {
        #expect(run(ForgottenAttachmentRule(), try input(body: "資料を添付します", attachments: [attachment("a.pdf")])).isEmpty)
    }

    @Test("the first keyword in the text is quoted, in line order")
    func firstKeyword() throws {
        let f = try #require(run(ForgottenAttachmentRule(), try input(body: "hello\nplease see the enclosed, attached file\n添付")).first)
        #expect(f.message == "line 2 says 'enclosed' but nothing is attached")
    }

    @Test("keywords come from the config (replacing the defaults)")
    func configured() throws {
        let c = try config(user: "[policy.rules.forgotten-attachment]\nkeywords = [\"ファイル\", \"PDF\"]\n")
        #expect(run(ForgottenAttachmentRule(), try input(body: "see attached"), c).isEmpty)
        #expect(run(ForgottenAttachmentRule(), try input(body: "ファイルを送ります"), c).first?.message == "line 1 says 'ファイル' but nothing is attached")
        #expect(run(ForgottenAttachmentRule(), try input(body: "the pdf follows"), c).first?.message == "line 1 says 'pdf' but nothing is attached")
        #expect(run(ForgottenAttachmentRule(), try input(body: "the pdfs follow"), c).isEmpty)
    }
}

@Suite("external-attachment")
struct ExternalAttachmentTests {
    @Test(
        "attachments to any external recipient, in any field",
        arguments: [
            ("a@client.jp", "", "", true),
            ("", "", "a@client.jp", true),
            ("boss@example.co.jp", "", "", false),
            ("boss@example.co.jp", "x@sub.example.co.jp", "", true), // a subdomain is not the sender's domain
            ("", "a@日本語.jp", "", true)
        ])
    func recipients(to: String, cc: String, bcc: String, reported: Bool) throws {
        let findings = run(ExternalAttachmentRule(), try input(to: to, cc: cc, bcc: bcc, attachments: [attachment("見積書.pdf")]))
        #expect(findings.count == (reported ? 1 : 0))
    }

    @Test("no attachment, no finding")
    func none() throws {
        #expect(run(ExternalAttachmentRule(), try input(to: "a@client.jp")).isEmpty)
    }

    @Test("the message counts files, recipients and domains; no challenge by default")
    func message() throws {
        let f = try #require(
            run(
                ExternalAttachmentRule(),
                try input(
                    to: "a@client.jp, b@client.jp", bcc: "c@日本語.jp, boss@example.co.jp",
                    attachments: [attachment("見積書.pdf"), attachment("顧客一覧.csv")])
            ).first)
        #expect(f.message == "2 attachments go to 3 external recipients in 2 domains: client.jp and 日本語.jp")
        #expect(f.subjects == [.attachment(0), .attachment(1), .domain("client.jp"), .domain("日本語.jp")])
        #expect(f.challenges.isEmpty)
        #expect(f.severity == .confirm)
    }

    @Test("challenge = true asks for part of each file name and each external domain")
    func challenge() throws {
        let c = try config(organisation: "[rules.external-attachment]\nchallenge = true\n")
        let f = try #require(
            run(
                ExternalAttachmentRule(),
                try input(
                    to: "a@client.jp", cc: "b@日本語.jp", attachments: [attachment("見積書.pdf"), attachment("顧客一覧.csv")]), c
            ).first)
        #expect(
            f.challenges == [
                .typeFileNamePart(attachment: 0, fileName: "見積書.pdf"),
                .typeFileNamePart(attachment: 1, fileName: "顧客一覧.csv"),
                .typeDomain("client.jp"), .typeDomain("日本語.jp")
            ])
    }

    @Test("with internal domains from the config, only those count as internal")
    func configuredInternal() throws {
        let c = try internalConfig(["example.co.jp", "*.example.co.jp"])
        #expect(run(ExternalAttachmentRule(), try input(to: "x@sub.example.co.jp", attachments: [attachment("a.pdf")]), c).isEmpty)
        #expect(run(ExternalAttachmentRule(), try input(to: "x@unexample.co.jp", attachments: [attachment("a.pdf")]), c).count == 1)
    }
}

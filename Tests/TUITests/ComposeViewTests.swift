import Testing
@testable import TUI

@Suite("Composer screens (snapshots)")
struct ComposeViewTests {
    static let from = "山田 太郎 <taro@example.co.jp>"

    @Test("an empty composer, editing To")
    func empty() {
        let model = ComposeModel(from: Self.from, accountName: "work")
        assertSnapshot(ComposeView.render(model, width: 80, height: 24), named: "empty")
    }

    @Test("a filled composer with a Japanese subject, names and body")
    func filled() {
        var model = ComposeModel(
            from: Self.from, accountName: "work", to: "鈴木 花子 <hanako@example.jp>, bob@example.com",
            cc: "\"Yamada, Jiro\" <jiro@example.co.jp>", subject: "【ご案内】2026年度 お見積書の送付",
            body: "鈴木様\n\nいつもお世話になっております。2026年度のお見積書をお送りいたします。ご確認のほど、よろしくお願いいたします。長い行は画面の幅で折り返されます。\n\n山田 太郎")
        model.mode = .command
        assertSnapshot(ComposeView.render(model, width: 80, height: 24), named: "filled-japanese")
    }

    @Test("an invalid address is shown with its reason in the danger colour")
    func invalidAddress() {
        var model = ComposeModel(from: Self.from, accountName: "work")
        for key in [Key.text("taro＠example.jp"), .tab] { _ = model.handle(key, width: 80, bodyHeight: 10) }
        assertSnapshot(ComposeView.render(model, width: 80, height: 24), named: "invalid-address")
    }

    @Test("the attachment list shows name, size and type; the selected one is highlighted")
    func attachments() {
        var model = ComposeModel(from: Self.from, accountName: "work", to: "hanako@example.jp", subject: "資料")
        model.attachmentAdded(AttachmentItem(path: "/tmp/見積書_2026年度.pdf", name: "見積書_2026年度.pdf", size: 1_234_567, contentType: "application/pdf"))
        model.attachmentAdded(AttachmentItem(path: "/tmp/顧客リスト.csv", name: "顧客リスト.csv", size: 2048, contentType: "text/csv; charset=utf-8"))
        model.attachmentAdded(AttachmentItem(path: "/tmp/photo.png", name: "photo.png", size: 512, contentType: "image/png"))
        model.mode = .command
        model.selectedAttachment = 1
        assertSnapshot(ComposeView.render(model, width: 80, height: 24), named: "attachments")
    }

    @Test("below the minimum size the screen says so instead of garbling", arguments: [(59, 24), (80, 15), (30, 8)])
    func tooSmall(width: Int, height: Int) {
        let model = ComposeModel(from: Self.from, accountName: "work", to: "a@example.jp")
        let grid = ComposeView.render(model, width: width, height: height)
        let shown = grid.textLines.map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        #expect(shown.joined(separator: " ") == "terminal too small (needs 60×16)")
        #expect(grid.textLines.allSatisfy { DisplayWidth.of($0) <= width })
        if width == 59 { assertSnapshot(grid, named: "too-small") }
    }

    @Test("the too-small notice wraps so the size needed always shows, down to 12 columns")
    func tooSmallWraps() {
        let model = ComposeModel(from: Self.from, accountName: "work")
        for width in 6..<60 {
            for height in [3, 5, 10] {
                let grid = ComposeView.render(model, width: width, height: height)
                let shown = grid.textLines.map { $0.trimmingSpaces }.filter { !$0.isEmpty }
                #expect(
                    shown.joined(separator: " ").hasSuffix("60×16)") || shown.joined(separator: " ").hasSuffix("60×16"),
                    "at \(width)×\(height): \(shown)")
                if width >= 12 && height >= 3 {
                    #expect(shown.joined(separator: " ") == "terminal too small (needs 60×16)", "at \(width)×\(height): \(shown)")
                }
                #expect(grid.textLines.allSatisfy { DisplayWidth.of($0) <= width })
            }
        }
        // One or two lines only: the size alone.
        #expect(ComposeView.render(model, width: 12, height: 1).textLines.joined().contains("60×16"))
        assertSnapshot(ComposeView.render(model, width: 25, height: 10), named: "too-small-25x10")
    }

    @Test("the legend is drawn from the live key table and wraps to the width")
    func legend() {
        var model = ComposeModel(from: Self.from, accountName: "work", to: "a@example.jp")
        model.mode = .command
        let wide = ComposeView.render(model, width: 120, height: 24).textLines.joined(separator: "\n")
        let narrow = ComposeView.render(model, width: 60, height: 24).textLines
        for entry in ComposeModel.commandKeys {
            #expect(wide.contains("\(entry.key) \(entry.label)"))
            #expect(narrow.joined(separator: "\n").contains("\(entry.key) \(entry.label)"))
        }
        #expect(narrow.allSatisfy { DisplayWidth.of($0) <= 60 })
    }

    @Test("the quit prompt and the draft offer are boxes over the composer")
    func dialogs() {
        var model = ComposeModel(from: Self.from, accountName: "work", to: "鈴木 花子 <hanako@example.jp>", bcc: "audit@example.co.jp", subject: "件名")
        model.mode = .quitPrompt
        #expect(ComposeView.render(model, width: 80, height: 24).textLines.joined().contains("(d) discard the message"))
        model.mode = .resumeOffer(DraftSummary(id: "x", subject: "見積書", recipients: "hanako@example.jp", savedAt: "Sun, 29 Nov 2026 09:00:00 +0900"))
        assertSnapshot(ComposeView.render(model, width: 80, height: 24), named: "resume-offer")
    }

    @Test("the draft offer lists To, Cc and Bcc each under its own label")
    func resumeOfferLabelsEachField() {
        var model = ComposeModel(from: Self.from, accountName: "work")
        model.mode = .resumeOffer(
            DraftSummary(
                id: "x", subject: "見積書", to: "hanako@example.jp", cc: "jiro@example.jp", bcc: "audit@example.co.jp",
                savedAt: "Sun, 29 Nov 2026 09:00:00 +0900"))
        let lines = ComposeView.render(model, width: 80, height: 24).textLines
        let to = lines.first { $0.contains("To:       ") } ?? ""
        #expect(to.contains("hanako@example.jp") && !to.contains("jiro@") && !to.contains("audit@"))
        #expect(lines.contains { $0.contains("Cc:       jiro@example.jp") })
        #expect(lines.contains { $0.contains("Bcc:      audit@example.co.jp") })
    }
}

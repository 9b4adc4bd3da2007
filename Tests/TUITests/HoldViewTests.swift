import Foundation
import Testing
@testable import TUI

@Suite("Hold screen")
struct HoldViewTests {
    static func screen(secondsLeft: Int = 42, otherHeld: Int = 1, status: StatusMessage? = nil) -> HoldScreen {
        HoldScreen(
            id: "20261129-110203-k3f9", subject: "【ご案内】2026年度 お見積書の送付", from: "山田 太郎 <taro@example.co.jp>",
            secondsLeft: secondsLeft, holdSeconds: 60,
            domains: [
                HoldDomain(domain: "取引先.jp", count: 2, isInternal: false),
                HoldDomain(domain: "example.com", count: 1, isInternal: false),
                HoldDomain(domain: "example.co.jp", count: 2, isInternal: true)
            ],
            recipientCount: 5, bccCount: 1, attachments: ["見積書_2026年度.pdf (1.2 MiB)", "顧客リスト.csv (2.0 KiB)"],
            otherHeld: otherHeld, status: status)
    }

    @Test("80×24: Japanese subject, domains by role, 42 in large digits, the undo line and the legend")
    func snapshot() {
        let grid = HoldView.render(Self.screen(), width: 80, height: 24)
        assertSnapshot(grid, named: "hold-japanese")
        let text = grid.textLines.joined(separator: "\n")
        #expect(text.contains("Held: 【ご案内】2026年度 お見積書の送付"))
        #expect(text.contains("to 5 recipients (3 outside, 1 in Bcc) at: 取引先.jp ×2, example.com ×1,\n    example.co.jp ×2"))
        #expect(text.contains("seconds — then it is sent"))
        #expect(text.contains("Press u to undo. Nothing has been sent yet."))
        for key in HoldView.keys { #expect(text.contains("\(key.key) \(key.label)")) }
        // External domains in the external role, internal ones in the internal role.
        func role(of s: String) -> Role? {
            guard let row = grid.textLines.firstIndex(where: { $0.contains(s) }) else { return nil }
            let line = grid.textLines[row]
            return grid[row, DisplayWidth.of(line[..<line.range(of: s)!.lowerBound])].role
        }
        #expect(role(of: "取引先.jp") == .external)
        #expect(role(of: "example.com") == .external)
        #expect(role(of: "example.co.jp ×2") == .internal)
        // The digits are drawn large: five rows of blocks.
        #expect(grid.textLines.filter { $0.contains("█") }.count == BigText.height)
    }

    @Test("the hold is over and the message is being sent: no countdown, no undo, progress and the keys that still apply")
    func sending() {
        var screen = Self.screen(secondsLeft: 0, otherHeld: 0)
        screen.sending = HoldSending(words: "Sending to the server… 42 %", sent: 420, total: 1000)
        let grid = HoldView.render(screen, width: 80, height: 24)
        assertSnapshot(grid, named: "hold-sending")
        let text = grid.textLines.joined(separator: "\n")
        #expect(grid.textLines[0].hasPrefix(" guardmail — sending"))
        #expect(text.contains("Sending to the server… 42 %"))
        #expect(text.contains("Too late to undo: the hold is over. c writes another message meanwhile."))
        #expect(!text.contains("Nothing has been sent yet"))
        #expect(!text.contains("█"), "no countdown digits")
        #expect(!text.contains("u Undo") && !text.contains("S Send now"))
        for key in HoldView.sendingKeys { #expect(text.contains("\(key.key) \(key.label)")) }
        // The bar: 42 % of 40 cells filled.
        let bar = grid.textLines.first { $0.contains("━") } ?? ""
        #expect(bar.filter { $0 == "━" }.count == 17 && bar.filter { $0 == "─" }.count == 23)
    }

    @Test("one second left: singular")
    func oneSecond() {
        let grid = HoldView.render(Self.screen(secondsLeft: 1, otherHeld: 0), width: 80, height: 24)
        assertSnapshot(grid, named: "hold-one-second")
        let text = grid.textLines.joined(separator: "\n")
        #expect(text.contains("second — then it is sent"))
        #expect(!text.contains("seconds"))
    }

    @Test("a small terminal: the countdown is one ordinary line, undo still says nothing was sent")
    func small() {
        let grid = HoldView.render(Self.screen(), width: 60, height: 12)
        assertSnapshot(grid, named: "hold-small")
        let text = grid.textLines.joined(separator: "\n")
        #expect(text.contains("42 s — then it is sent"))
        #expect(!text.contains("█"))
        #expect(text.contains("Press u to undo. Nothing has been sent yet."))
        #expect(text.contains("Held: 【ご案内】"))
        #expect(text.contains("to 5 recipients (3 outside, 1 in Bcc) at: 取引先.jp ×2,\n    example.com ×1, example.co.jp ×2"))
        // Shorter still: the domains on one row, or how many there are.
        let shorter = HoldView.render(Self.screen(status: StatusMessage("Undo failed", isError: true)), width: 60, height: 10)
        #expect(shorter.textLines.joined(separator: "\n").contains("to 5 recipients (3 outside, 1 in Bcc) at: 3 domains"))
        #expect(text.contains("Attachments (2): 見積書_2026年度.pdf (1.2 MiB), and 1 more"))
    }

    @Test("below the minimum the usual message", arguments: [(39, 24), (80, 7)])
    func tooSmall(width: Int, height: Int) {
        let grid = HoldView.render(Self.screen(), width: width, height: height)
        #expect(grid.textLines.joined().contains("terminal too small (needs 40×8)"))
        #expect(grid.textLines.filter { !$0.isEmpty }.count == 1)
    }

    @Test("every size from the minimum up: the countdown, the undo line and the legend are there; nothing overflows")
    func everySize() {
        let status = StatusMessage("Could not reach the outbox", isError: true)
        for width in [40, 41, 47, 60, 79, 80, 120] {
            for height in 8...30 {
                for s in [Self.screen(), Self.screen(secondsLeft: 7, otherHeld: 3, status: status)] {
                    let grid = HoldView.render(s, width: width, height: height)
                    let text = grid.textLines.joined(separator: "\n")
                    #expect(grid.textLines.allSatisfy { DisplayWidth.of($0) <= width }, "\(width)×\(height)")
                    #expect(text.contains("Press u to undo"), "\(width)×\(height)")
                    #expect(text.contains("Held: "), "\(width)×\(height)")
                    #expect(text.contains("then it is sent"), "\(width)×\(height)")
                    #expect(text.contains("u Undo"), "\(width)×\(height)")
                    if s.status != nil { #expect(text.contains("Could not reach the outbox"), "\(width)×\(height)") }
                    let big = width >= HoldView.bigDigitsWidth && height >= HoldView.bigDigitsHeight
                    #expect(text.contains("█") == big, "\(width)×\(height)")
                }
            }
        }
    }

    @Test("a long Japanese subject is cut at a character boundary with an ellipsis")
    func longSubject() {
        var s = Self.screen()
        s.subject = String(repeating: "見積書", count: 30)
        for width in [40, 41, 80, 81] {
            let grid = HoldView.render(s, width: width, height: 24)
            let line = grid.textLines.first { $0.contains("Held:") }!
            #expect(line.hasSuffix("…"))
            #expect(DisplayWidth.of(line) <= width - 1)
            // No half of a wide character: every continuation cell follows a wide one.
            let row = grid.textLines.firstIndex(of: line)!
            for x in 1..<width where grid[row, x].isContinuation {
                #expect(DisplayWidth.of(grid[row, x - 1].text) == 2)
            }
        }
    }

    @Test("many domains: as many as fit, then how many more")
    func manyDomains() {
        var s = Self.screen()
        s.domains = (0..<30).map { HoldDomain(domain: "customer\($0).example", count: 1, isInternal: false) }
        s.recipientCount = 30
        let text = HoldView.render(s, width: 80, height: 24).textLines.joined(separator: "\n")
        #expect(text.contains("customer0.example ×1,"))
        #expect(text.range(of: #"and \d+ more"#, options: .regularExpression) != nil)
    }

    @Test("no attachments, no other held messages, at zero seconds")
    func plain() {
        var s = Self.screen(secondsLeft: 0, otherHeld: 0)
        s.attachments = []
        let text = HoldView.render(s, width: 80, height: 24).textLines.joined(separator: "\n")
        #expect(text.contains("No attachments"))
        #expect(!text.contains("Also held"))
        #expect(text.contains("seconds — sending now"))
    }

    @Test("BigText: ten distinct digits, all the same height, 3–5 columns, one blank column between")
    func bigText() {
        #expect(BigText.digits.count == 10)
        #expect(Set(BigText.digits.map { $0.joined(separator: "\n") }).count == 10)
        for glyph in BigText.digits {
            #expect(glyph.count == BigText.height)
            let w = DisplayWidth.of(glyph[0])
            #expect((3...5).contains(w))
            #expect(glyph.allSatisfy { DisplayWidth.of($0) == w })
            #expect(glyph.allSatisfy { $0.allSatisfy { $0 == "█" || $0 == " " } })
        }
        let rows = BigText.rows("42")!
        #expect(rows.count == BigText.height)
        #expect(rows[0] == BigText.glyph(4)[0] + " " + BigText.glyph(2)[0])
        #expect(BigText.width("120") == 3 + 1 + 4 + 1 + 4)
        #expect(BigText.rows("4a") == nil)
        #expect(BigText.rows("") == nil)
    }
}

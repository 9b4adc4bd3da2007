import Testing
@testable import Bulk
import MailCore

struct TemplateCase: Sendable, CustomTestStringConvertible {
    let source: String
    let placeholders: [String]
    let rendered: String
    var testDescription: String { source.debugDescription }
}

let templateFields = ["name": "山田 太郎", "会社": "サンプル株式会社", "first name": "Taro", "email": "taro@example.jp"]

let templateCases: [TemplateCase] = [
    TemplateCase(source: "Dear {{name}},", placeholders: ["name"], rendered: "Dear 山田 太郎,"),
    TemplateCase(source: "{{ name }} 様（{{会社}}）", placeholders: ["name", "会社"], rendered: "山田 太郎 様（サンプル株式会社）"),
    TemplateCase(
        source: "Hi {{  first name  }}, {{name}} again {{name}}", placeholders: ["first name", "name"],
        rendered: "Hi Taro, 山田 太郎 again 山田 太郎"),
    TemplateCase(source: "no placeholders", placeholders: [], rendered: "no placeholders"),
    TemplateCase(source: "a lone {{ stays", placeholders: [], rendered: "a lone {{ stays"),
    TemplateCase(source: "empty {{}} and {{   }} stay", placeholders: [], rendered: "empty {{}} and {{   }} stay"),
    TemplateCase(source: "{{name\n}} across lines stays", placeholders: [], rendered: "{{name\n}} across lines stays"),
    TemplateCase(source: "{{na}me}} stays", placeholders: [], rendered: "{{na}me}} stays"),
    TemplateCase(source: "{{{name}}}", placeholders: ["name"], rendered: "{山田 太郎}"),
    TemplateCase(source: "{{ {{name}}", placeholders: ["name"], rendered: "{{ 山田 太郎"),
    TemplateCase(source: "unknown {{部署}} stays visible", placeholders: ["部署"], rendered: "unknown {{部署}} stays visible"),
    TemplateCase(source: "{{email}}", placeholders: ["email"], rendered: "taro@example.jp"),
    TemplateCase(source: "", placeholders: [], rendered: "")
]

@Suite("Templates")
struct TemplateTests {
    @Test(arguments: templateCases)
    func parsesAndRenders(_ c: TemplateCase) {
        let t = Template(c.source)
        #expect(t.orderedPlaceholders == c.placeholders)
        #expect(t.placeholders == Set(c.placeholders))
        #expect(t.render(fields: templateFields) == c.rendered)
        #expect(t.source == c.source)
    }

    @Test func segments() {
        #expect(Template("Dear {{ name }}, hi").segments == [.text("Dear "), .placeholder("name"), .text(", hi")])
        #expect(Template("{{ x {{y}}").segments == [.text("{{ x "), .placeholder("y")])
    }

    @Test func rendersFromAParsedFile() throws {
        let list = try parse("氏名,email,会社\n山田 太郎,taro@example.jp,サンプル株式会社\n")
        let body = Template("{{会社}}\n{{name}} 様\n\nご連絡先: {{email}}")
        #expect(body.render(fields: list.recipients[0].fields) == "サンプル株式会社\n山田 太郎 様\n\nご連絡先: taro@example.jp")
        #expect(body.missing(in: list).isEmpty)
    }

    @Test func reportsMissingAndEmptyFields() throws {
        let list = try parse(
            """
            name,email,company
            Taro,taro@example.jp,Sample
            ,hanako@example.jp,Other
            Jiro,jiro@example.jp,\("  ")
            ,saburo@example.jp,
            """)
        let t = Template("{{company}}: Dear {{name}}, {{ company }}")
        let missing = t.missing(in: list)
        #expect(missing.map(\.line) == [3, 4, 5, 5])
        #expect(missing.map(\.address) == ["hanako@example.jp", "jiro@example.jp", "saburo@example.jp", "saburo@example.jp"])
        #expect(missing.map(\.field) == ["name", "company", "company", "name"])
        #expect(t.unknownPlaceholders(in: list).isEmpty)
    }

    @Test func reportsFieldsNoRecipientHas() throws {
        let list = try parse("taro@example.jp\nJiro <jiro@example.jp>\n")
        let t = Template("{{name}} ({{部署}})")
        #expect(t.unknownPlaceholders(in: list) == ["部署"])
        let missing = t.missing(in: list)
        #expect(missing.map(\.line) == [1, 1, 2])
        #expect(missing.map(\.field) == ["name", "部署", "部署"])
    }

    @Test func noPlaceholdersNothingMissing() throws {
        let list = try parse("taro@example.jp\n")
        #expect(Template("Hello all").missing(in: list).isEmpty)
    }
}

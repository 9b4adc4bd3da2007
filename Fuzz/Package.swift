// swift-tools-version: 6.0
// libFuzzer targets for guardmail's parsers of outside input. Built only by `make fuzz` /
// `make fuzz-smoke` (scripts/fuzz.sh), never by `swift build` or `make test`: this is its own
// package, depending on the main package by path, compiled with `-sanitize=fuzzer,address`
// and `-enable-testing` (the targets reach internal parsers through `@testable import`).
// See docs/fuzzing.md.
import PackageDescription

/// One executable per parser; each is `LLVMFuzzerTestOneInput` and a `main` that
/// starts libFuzzer's driver on it (Sources/CFuzzerDriver).
let targets = [
    ("fuzz-address", "FuzzAddress", ["MailCore"]),
    ("fuzz-message", "FuzzMessage", ["MailCore"]),
    ("fuzz-toml", "FuzzTOML", ["GuardTOML"]),
    ("fuzz-config", "FuzzConfig", ["Config", "Policy", "TUI", "GuardTOML"]),
    ("fuzz-recipients", "FuzzRecipients", ["Bulk"]),
    ("fuzz-zip", "FuzzZip", ["Inspect"]),
    ("fuzz-inflate", "FuzzInflate", ["Inspect"]),
    ("fuzz-pdf", "FuzzPDF", ["Inspect"]),
    ("fuzz-outbox", "FuzzOutbox", ["Outbox"]),
    ("fuzz-office", "FuzzOffice", ["Inspect", "Policy"]),
    ("fuzz-addressbook", "FuzzAddressBook", ["Policy"]),
    ("fuzz-policyimport", "FuzzPolicyImport", ["Policy"])
]

let package = Package(
    name: "guardmail-fuzz",
    products: targets.map { .executable(name: $0.0, targets: [$0.1]) },
    dependencies: [.package(name: "guardmail", path: "..")],
    targets: targets.map { _, target, modules in
        .executableTarget(
            name: target,
            dependencies: ["CFuzzerDriver"] + modules.map { .product(name: $0, package: "guardmail") })
    } + [.target(name: "CFuzzerDriver")],
    swiftLanguageModes: [.v6]
)

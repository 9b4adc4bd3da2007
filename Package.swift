// swift-tools-version: 6.2
// guardmail — a terminal mail composer that stops mail going to the wrong people.
import PackageDescription

let package = Package(
    name: "guardmail",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "guardmail", targets: ["guardmail"]),
        // For the fuzz targets in Fuzz/ (a separate package; docs/fuzzing.md): the modules whose
        // parsers read outside input.
        .library(name: "GuardTOML", targets: ["GuardTOML"]),
        .library(name: "MailCore", targets: ["MailCore"]),
        .library(name: "Policy", targets: ["Policy"]),
        .library(name: "TUI", targets: ["TUI"]),
        .library(name: "Bulk", targets: ["Bulk"]),
        .library(name: "Inspect", targets: ["Inspect"]),
        .library(name: "Config", targets: ["Config"]),
        .library(name: "Outbox", targets: ["Outbox"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Tests only: real ZIP and .xlsx files written by another implementation than ours.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20")
    ],
    targets: [
        // C shims: one per library, typed wrappers for what Swift cannot call.
        // libcurl is opened with dlopen on first use, not linked (see Sources/CCurl/shim.c).
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(name: "CIDN2", pkgConfig: "libidn2", providers: [.apt(["libidn2-dev"])]),
        .target(name: "CNcurses", linkerSettings: [.linkedLibrary("ncursesw")]),
        // SHA-256 through OpenSSL's EVP API.
        .target(name: "CCrypto", linkerSettings: [.linkedLibrary("crypto")]),
        // zlib's inflate for ZIP entries and PDF object streams.
        .systemLibrary(name: "CZlibSystem", providers: [.apt(["zlib1g-dev"])]),
        // Debian's libsqlite3 for the send journal; a C target because SQLITE_TRANSIENT is a macro cast.
        .target(name: "CSQLite", linkerSettings: [.linkedLibrary("sqlite3")]),
        // sync_file_range(2) for starting a spool file's write-back while it is still written.
        .target(name: "CFileSync"),

        // Pure modules: no clock, no file system, no network.
        .target(name: "GuardTOML"),
        .target(name: "MailCore", dependencies: ["CIDN2"]),
        // The rules that decide what needs a confirmation or blocks a send, and their layers.
        .target(name: "Policy", dependencies: ["MailCore", "GuardTOML"]),
        // Screens as functions from state to a grid of cells; editors; themes; the compose model.
        .target(name: "TUI", dependencies: ["MailCore", "GuardTOML", "Policy"]),
        // The send workflow: editing → confirming → holding → submitting → outcome; time is passed in.
        // MailCore only for `RecipientKey`: refused recipients match ours by the same key as everywhere.
        .target(name: "Workflow", dependencies: ["MailCore"]),
        // Bulk announcements: recipient files (CSV/TSV/lists, UTF-8 or Shift_JIS), templates, batches.
        .target(name: "Bulk", dependencies: ["MailCore"]),

        // I/O modules.
        .target(name: "Store", dependencies: ["MailCore", "CFileSync"]),
        .target(name: "Inspect", dependencies: ["Store", "MailCore", "CCrypto", "CZlibSystem"]),
        .target(name: "Transport", dependencies: ["CCurl", "MailCore", "Workflow"]),
        .target(name: "Config", dependencies: ["GuardTOML", "MailCore", "Store", "Policy"]),
        // The send journal: an append-only SQLite record of every message, its recipients and outcome.
        .target(name: "Journal", dependencies: ["CSQLite", "MailCore", "Store"]),
        // Frozen messages waiting for their hold to end or for the user: durable, one folder each.
        .target(name: "Outbox", dependencies: ["Store", "MailCore", "Workflow", "GuardTOML"]),
        // The send path shared by `guardmail send` and the composer: build, spool, submit.
        .target(name: "Delivery", dependencies: ["MailCore", "Store", "Inspect", "Transport", "Config", "Policy", "Outbox", "Journal", "Workflow"]),
        // The ncurses terminal: draws a grid, reads keys.
        .target(name: "CursesTerminal", dependencies: ["CNcurses", "TUI"]),
        // `guardmail bulk`: frozen bulk jobs, batched submission, resumable through the journal.
        .target(
            name: "BulkSend",
            dependencies: ["Bulk", "MailCore", "Store", "Transport", "Journal", "Config", "Delivery", "Policy", "Inspect", "Outbox", "GuardTOML", "Workflow"]),
        // The composer's event loop: keys -> model -> drafts, delivery -> screen.
        .target(
            name: "Composer",
            dependencies: ["TUI", "CursesTerminal", "Delivery", "Store", "Config", "MailCore", "Inspect", "Policy", "Outbox", "Workflow", "Journal"]),

        // The executable: argument parsing and wiring.
        .executableTarget(
            name: "guardmail",
            dependencies: [
                "MailCore", "Store", "Inspect", "Transport", "Config", "Delivery", "TUI", "Composer", "Policy", "GuardTOML", "Journal", "Outbox", "Workflow",
                "Bulk", "BulkSend",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]
        ),

        .testTarget(name: "GuardTOMLTests", dependencies: ["GuardTOML"]),
        .testTarget(name: "MailCoreTests", dependencies: ["MailCore"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport"]),
        .testTarget(name: "InspectTests", dependencies: ["Inspect", "CZlibSystem", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "JournalTests", dependencies: ["Journal"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy"]),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Policy"], exclude: ["__Snapshots__"]),
        .testTarget(name: "WorkflowTests", dependencies: ["Workflow"]),
        .testTarget(name: "OutboxTests", dependencies: ["Outbox", "Store", "Workflow"]),
        .testTarget(name: "BulkTests", dependencies: ["Bulk", "MailCore"]),
        .testTarget(name: "DeliveryTests", dependencies: ["Delivery", "Policy", "Store", "Config", "Transport", "Workflow", "Inspect", "Journal", "Outbox"]),
        .testTarget(name: "ComposerTests", dependencies: ["Composer", "TUI", "Delivery", "Config", "Store", "Outbox", "Policy", "Workflow", "Journal"]),
        .testTarget(
            name: "BulkSendTests", dependencies: ["BulkSend", "Bulk", "Journal", "Transport", "MailCore", "Store", "Policy", "Config", "Delivery", "Workflow"])
    ],
    swiftLanguageModes: [.v6]
)

// CI builds with GUARDMAIL_WARNINGS_AS_ERRORS=1 (.ci/run): a warning fails the build there, while a
// build at a desk keeps warnings as warnings. Only this package's targets: dependencies keep theirs.
if Context.environment["GUARDMAIL_WARNINGS_AS_ERRORS"] == "1" {
    for target in package.targets where target.type != .system {
        target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
    }
}

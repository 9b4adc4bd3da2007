// swift-tools-version: 6.0
// guardmail — a terminal mail composer that stops mail going to the wrong people.
import PackageDescription

let package = Package(
    name: "guardmail",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "guardmail", targets: ["guardmail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C shims: one per library, typed wrappers for what Swift cannot call.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        .systemLibrary(name: "CIDN2", pkgConfig: "libidn2", providers: [.apt(["libidn2-dev"])]),
        .target(name: "CNcurses", linkerSettings: [.linkedLibrary("ncursesw")]),

        // Pure modules: no clock, no file system, no network.
        .target(name: "GuardTOML"),
        .target(name: "MailCore", dependencies: ["CIDN2"]),
        // Screens as functions from state to a grid of cells; editors; themes; the compose model.
        .target(name: "TUI", dependencies: ["MailCore", "GuardTOML"]),

        // I/O modules.
        .target(name: "Store", dependencies: ["MailCore"]),
        .target(name: "Inspect", dependencies: ["Store"]),
        .target(name: "Transport", dependencies: ["CCurl", "MailCore"]),
        .target(name: "Config", dependencies: ["GuardTOML", "MailCore", "Store"]),
        // The send path shared by `guardmail send` and the composer: build, spool, submit.
        .target(name: "Delivery", dependencies: ["MailCore", "Store", "Inspect", "Transport", "Config"]),
        // The ncurses terminal: draws a grid, reads keys.
        .target(name: "CursesTerminal", dependencies: ["CNcurses", "TUI"]),
        // The composer's event loop: keys -> model -> drafts, delivery -> screen.
        .target(name: "Composer", dependencies: ["TUI", "CursesTerminal", "Delivery", "Store", "Config", "MailCore", "Inspect"]),

        // The executable: argument parsing and wiring.
        .executableTarget(
            name: "guardmail",
            dependencies: [
                "MailCore", "Store", "Inspect", "Transport", "Config", "Delivery", "TUI", "Composer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "GuardTOMLTests", dependencies: ["GuardTOML"]),
        .testTarget(name: "MailCoreTests", dependencies: ["MailCore"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport"]),
        .testTarget(name: "InspectTests", dependencies: ["Inspect"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "TUITests", dependencies: ["TUI"], exclude: ["__Snapshots__"]),
    ],
    swiftLanguageModes: [.v6]
)

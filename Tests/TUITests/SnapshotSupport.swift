import Foundation
import Testing
@testable import TUI

/// Compares a rendered grid with `__Snapshots__/NAME.txt` (its text, then the roles of each
/// run of cells). Set RECORD_SNAPSHOTS=1 to write the files anew; a missing file is recorded
/// and the test fails, so a new snapshot is always looked at once.
func assertSnapshot(_ grid: Grid, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("__Snapshots__")
    let file = directory.appendingPathComponent("\(name).txt")
    let border = String(repeating: "·", count: grid.width)
    let rendered =
        ([border] + grid.textLines.map { $0 } + [border, "cursor: \(grid.cursor.map { "\($0.row + 1):\($0.column + 1)" } ?? "hidden")", "roles:"]
        + grid.roleLines).joined(separator: "\n") + "\n"
    let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
    guard !record, let expected = try? String(contentsOf: file, encoding: .utf8) else {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? rendered.write(to: file, atomically: true, encoding: .utf8)
        Issue.record("recorded snapshot \(name); check it and run again", sourceLocation: sourceLocation)
        return
    }
    if expected != rendered {
        Issue.record("snapshot \(name) differs:\n--- expected\n\(expected)\n--- got\n\(rendered)", sourceLocation: sourceLocation)
    }
}

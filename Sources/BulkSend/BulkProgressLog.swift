// BulkProgressLog.swift — a per-submission record that makes "resume at 1,235" exact.
//
// The journal marks a whole window of submissions as `submitting` before the first of them
// goes out (one fsync for many messages). If guardmail dies inside a window, the journal alone
// cannot tell which of the window's messages went: all of them are unknown. The progress log
// narrows that down to the one submission that was on the wire.
//
// Before each submission guardmail appends `start` with its recipients, and after the server
// answered a block with every reply, closed by `end`, each in one write(2) on an O_APPEND file.
// These writes are not fsynced: after a process crash (kill -9, a bug, the OOM killer) the
// kernel still has them, but after a kernel crash or a power cut the tail may be gone. So each
// run starts with the machine's boot id, and the log is only believed for a run of the
// current boot (no reboot since: nothing written was lost). Otherwise the journal's
// conservative answer stands. A submission is never started unless its `start` line was
// written: a missing `start` on the same boot proves it never went out.
//
// Lines (tab-separated; replies and reasons escaped as in index.tsv):
//   run    RUN  BOOT  PID
//   start  RUN  UNIT  RANGES
//   done   RUN  UNIT  KIND  UNKNOWN-RANGES|-  REASON       KIND: answered | lost | failed
//   r      RUN  UNIT  NUMBER  1|0  REPLY
//   end    RUN  UNIT

#if canImport(Glibc)
    import Glibc
#endif
import Store

public final class BulkProgressLog {
    public let path: String
    public let runID: String
    private var fd: Int32
    /// A write failed: no further submission may start in this run.
    public private(set) var broken = false

    /// Opens (creating) the job's log and appends this run's header.
    public init(job: BulkJob, runID: String) throws(BulkError) {
        path = job.directory + "/" + BulkStore.progressName
        self.runID = runID
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw BulkError(.io, "cannot open the progress log '\(path)': \(String(cString: strerror(errno)))")
        }
        guard append("run\t\(runID)\t\(Self.bootID() ?? "-")\t\(getpid())\n") else {
            throw BulkError(.io, "cannot write the progress log '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    /// Must return true before the submission may start.
    public func started(unit: Int, numbers: [Int]) -> Bool {
        append("start\t\(runID)\t\(unit)\t\(BulkDetail.ranges(numbers))\n")
    }

    public enum Kind: String, Sendable { case answered, lost, failed }

    /// The server's answer to one submission. Best effort: if it cannot be written, the
    /// submission counts as unknown on recovery (safe), and no further submission starts.
    @discardableResult
    public func finished(
        unit: Int, kind: Kind, unknown: [Int], reason: String,
        results: [(number: Int, accepted: Bool, reply: String)]
    ) -> Bool {
        var text =
            "done\t\(runID)\t\(unit)\t\(kind.rawValue)\t\(unknown.isEmpty ? "-" : BulkDetail.ranges(unknown))\t"
            + BulkFormat.escape(reason) + "\n"
        for r in results {
            text += "r\t\(runID)\t\(unit)\t\(r.number)\t\(r.accepted ? 1 : 0)\t\(BulkFormat.escape(r.reply))\n"
        }
        text += "end\t\(runID)\t\(unit)\n"
        return append(text)
    }

    private func append(_ text: String) -> Bool {
        guard fd >= 0, !broken else { return false }
        var bytes = Array(text.utf8)
        let ok: Bool = bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        if !ok { broken = true }
        return ok
    }

    /// This boot of the machine, or nil where the kernel does not say (then the log is never
    /// believed over the journal).
    public static func bootID() -> String? {
        guard let bytes = try? FileSystem.readBytes("/proc/sys/kernel/random/boot_id", limit: 256) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
        return text.isEmpty ? nil : text
    }

    // MARK: Reading

    /// What one submission of a run did.
    public struct Unit: Sendable {
        public var numbers: [Int]
        /// nil: started, no complete answer recorded (it may have gone).
        public var answer: Answer?
    }

    public struct Answer: Sendable {
        public var kind: Kind
        public var unknown: [Int]
        public var reason: String
        public var results: [(number: Int, accepted: Bool, reply: String)]
    }

    public struct Run: Sendable {
        public var bootID: String?
        public var units: [Int: Unit] = [:]
    }

    /// Every run in the log at `path`, by run id. A torn last line (a write cut short) is ignored,
    /// and a result block without its `end` line counts as no answer.
    public static func read(path: String) -> [String: Run] {
        guard let bytes = try? FileSystem.readBytes(path, limit: 1 << 30) else { return [:] }
        var runs: [String: Run] = [:]
        var pending: [String: Answer] = [:] // "run\tunit" → answer being read
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        // The last element is "" after a final line break; otherwise it is a torn line: dropped.
        lines.removeLast()
        for line in lines {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard cells.count >= 2 else { continue }
            let run = String(cells[1])
            switch cells[0] {
            case "run" where cells.count == 4:
                runs[run] = Run(bootID: cells[2] == "-" ? nil : String(cells[2]))
            case "start" where cells.count == 4:
                guard let unit = Int(cells[2]), let numbers = BulkDetail.numbers(in: "#" + cells[3], after: "#") else { continue }
                runs[run]?.units[unit] = Unit(numbers: numbers, answer: nil)
            case "done" where cells.count == 6:
                guard let unit = Int(cells[2]), let kind = Kind(rawValue: String(cells[3])) else { continue }
                let unknown = cells[4] == "-" ? [] : (BulkDetail.numbers(in: "#" + cells[4], after: "#") ?? [])
                pending["\(run)\t\(unit)"] = Answer(kind: kind, unknown: unknown, reason: BulkFormat.unescape(cells[5]), results: [])
            case "r" where cells.count == 6:
                guard let number = Int(cells[3]) else { continue }
                pending["\(run)\t\(cells[2])"]?.results.append((number, cells[4] == "1", BulkFormat.unescape(cells[5])))
            case "end" where cells.count == 3:
                guard let unit = Int(cells[2]), let answer = pending.removeValue(forKey: "\(run)\t\(unit)") else { continue }
                runs[run]?.units[unit]?.answer = answer
            default:
                continue
            }
        }
        return runs
    }
}

import CZlibSystem

/// zlib's inflate, fed piece by piece, with a cap on what it may produce (a small compressed
/// entry can claim to expand to gigabytes).
final class Inflater {
    enum Format {
        /// Raw deflate, as in ZIP entries.
        case raw
        /// zlib-wrapped deflate, as in PDF FlateDecode streams.
        case zlib
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private let limit: Int
    private(set) var output: [UInt8] = []
    /// The end of the compressed data was reached.
    private(set) var finished = false
    /// The data was damaged; `output` holds what came before the damage.
    private(set) var failed = false
    /// `limit` bytes were produced and the rest was not inflated.
    private(set) var truncated = false
    /// Bytes produced so far, including those taken out with `takeOutput()`.
    private(set) var produced = 0

    init?(format: Format, limit: Int) {
        self.limit = limit
        // zlib keeps a pointer back to the z_stream, so it needs a fixed address.
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = czlib_inflate_init(stream, format == .raw ? -15 : 15)
        guard status == Z_OK else {
            stream.deallocate()
            return nil
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Whether more input is wanted.
    var wantsInput: Bool { !finished && !failed && !truncated }

    func feed(_ input: UnsafeRawBufferPointer) {
        guard wantsInput, let base = input.baseAddress, input.count > 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        while wantsInput {
            let room = min(chunk.count, limit - produced)
            if room <= 0 {
                truncated = true
                return
            }
            let (status, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(room)
                let status = CZlibSystem.inflate(stream, Z_NO_FLUSH)
                return (status, room - Int(stream.pointee.avail_out))
            }
            output += chunk[0..<produced]
            self.produced += produced
            switch status {
            case Z_STREAM_END:
                finished = true
            case Z_OK:
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return }
            case Z_BUF_ERROR:
                // No progress possible: all input used up.
                return
            default:
                failed = true
            }
        }
    }

    /// What was produced since the last call, taken out (for streaming a large entry through a
    /// small buffer; `limit` still counts everything produced).
    func takeOutput() -> [UInt8] {
        defer { output = [] }
        return output
    }

    func feed(_ input: [UInt8]) {
        input.withUnsafeBytes { feed($0) }
    }

    /// Inflates `input` in one call; what could be inflated, up to `limit` bytes.
    static func inflate(_ input: ArraySlice<UInt8>, format: Format, limit: Int) -> (bytes: [UInt8], complete: Bool) {
        guard let inflater = Inflater(format: format, limit: limit) else { return ([], false) }
        input.withUnsafeBytes { inflater.feed($0) }
        return (inflater.output, inflater.finished)
    }
}

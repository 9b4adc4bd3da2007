import Testing
@testable import Store

@Suite("Subprocess.runBounded: programs reading outside input are stopped at their limits")
struct BoundedSubprocessTests {
    @Test("a program that prints without end is killed at the output limit, which it keeps")
    func outputLimit() throws {
        let output = try Subprocess.runBounded(["/usr/bin/yes"], limit: 10_000, seconds: 60)
        #expect(output.overLimit)
        #expect(!output.timedOut)
        #expect(output.standardOutput.count == 10_000)
        #expect(output.status == nil) // killed
    }

    @Test("a program that never ends is killed at the time limit")
    func timeLimit() throws {
        let output = try Subprocess.runBounded(["/bin/sleep", "600"], limit: 100, seconds: 0.2)
        #expect(output.timedOut)
        #expect(output.status == nil)
    }

    @Test("the memory limit applies to the program, whose arguments pass through the shell untouched")
    func memoryLimit() throws {
        let ok = try Subprocess.runBounded(["/bin/echo", "$HOME; `x` \"q\""], limit: 100, seconds: 60, memoryKiB: 1 << 20)
        #expect(ok.status == 0)
        #expect(String(decoding: ok.standardOutput, as: UTF8.self) == "$HOME; `x` \"q\"\n")
        // 64 MiB of address space is too little for python3 to allocate 256 MiB.
        let starved = try Subprocess.runBounded(
            ["/usr/bin/python3", "-c", "b = bytearray(256 << 20); print('allocated')"], limit: 100, seconds: 60, memoryKiB: 64 << 10)
        #expect(starved.status != 0)
        #expect(!String(decoding: starved.standardOutput, as: UTF8.self).contains("allocated"))
    }

    @Test("standard error does not reach the terminal, and a missing program is an exit status 127 from the shell or an error")
    func missingProgram() throws {
        let viaShell = try Subprocess.runBounded(["/nonexistent/x"], limit: 100, seconds: 60, memoryKiB: 1 << 20)
        #expect(viaShell.status == 127)
        #expect(throws: FileError.self) { try Subprocess.runBounded(["/nonexistent/x"], limit: 100, seconds: 60) }
    }
}

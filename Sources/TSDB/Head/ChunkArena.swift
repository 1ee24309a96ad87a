import Synchronization

/// Fixed-size pages that hold the bytes of the head's open chunks (see ``OpenChunk``), cut
/// from 1 MiB slabs.
///
/// With one growing `[UInt8]` per series, a head whose series all grow in step left every
/// outgrown buffer as a hole in the heap that no later allocation fitted, plus the unused
/// tail of each buffer: about 900 resident bytes for 120 samples whose XOR bytes are about
/// 530. A page never moves: an open chunk is a chain of pages, a new page is linked when the
/// last is full, and the chain goes back to a free list when the chunk is cut, where the
/// next open chunks take its pages again.
///
/// A page is a 4-byte link to the next page of its chain (0 at the end) and
/// ``dataSize`` bytes of chunk. Page ids start at 1; 0 means "no page".
///
/// `@unchecked Sendable`: the slab table is written only under `state`'s lock, before the
/// ids of the slab's pages are handed out, and never moves; a page is written only by the
/// holder of its id (the head, under the store's lock, or the one replay thread that owns
/// its series), so reading the table and the pages needs no lock.
final class ChunkArena: @unchecked Sendable {
    static let pageSize = 64
    static let dataSize = pageSize - 4
    private static let pagesPerSlabShift = 14
    private static let pagesPerSlab = 1 << pagesPerSlabShift
    /// 64 Ki slabs of 1 MiB: 64 GiB of open chunks.
    private static let maxSlabs = 1 << 16

    private let slabs: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let state = Mutex(State())

    private struct State {
        var slabCount = 0
        /// Next never-used page, and the end of the newest slab.
        var bump: UInt32 = 0
        var bumpEnd: UInt32 = 0
        /// Head of the free list, linked through the pages' first 4 bytes.
        var free: UInt32 = 0
        var pagesInUse = 0
    }

    init() {
        slabs = .allocate(capacity: Self.maxSlabs)
        slabs.initialize(repeating: nil, count: Self.maxSlabs)
    }

    deinit {
        let count = state.withLock { $0.slabCount }
        for i in 0..<count { slabs[i]?.deallocate() }
        slabs.deallocate()
    }

    /// The page's memory: its link at offset 0, its data from offset 4.
    @inline(__always)
    func page(_ id: UInt32) -> UnsafeMutableRawPointer {
        slabs[Int(id >> UInt32(Self.pagesPerSlabShift))].unsafelyUnwrapped
            + Int(id & UInt32(Self.pagesPerSlab - 1)) * Self.pageSize
    }

    /// A page for the end of a chain: its link is 0.
    func allocate() -> UInt32 {
        let id = state.withLock { state -> UInt32 in
            state.pagesInUse += 1
            if state.free != 0 {
                let id = state.free
                state.free = page(id).load(as: UInt32.self)
                return id
            }
            if state.bump == state.bumpEnd {
                precondition(state.slabCount < Self.maxSlabs, "the head's chunk arena is full")
                slabs[state.slabCount] = .allocate(byteCount: Self.pageSize << Self.pagesPerSlabShift, alignment: Self.pageSize)
                state.bump = UInt32(state.slabCount << Self.pagesPerSlabShift)
                state.bumpEnd = state.bump + UInt32(Self.pagesPerSlab)
                state.slabCount += 1
                if state.bump == 0 { state.bump = 1 }
            }
            defer { state.bump += 1 }
            return state.bump
        }
        page(id).storeBytes(of: 0, as: UInt32.self)
        return id
    }

    /// Returns the chain that starts at `first` to the free list.
    func free(chain first: UInt32) {
        guard first != 0 else { return }
        var last = first
        var count = 1
        while true {
            let next = page(last).load(as: UInt32.self)
            if next == 0 { break }
            last = next
            count += 1
        }
        state.withLock { state in
            page(last).storeBytes(of: state.free, as: UInt32.self)
            state.free = first
            state.pagesInUse -= count
        }
    }

    /// Pages held by open chunks.
    var pagesInUse: Int { state.withLock { $0.pagesInUse } }
}

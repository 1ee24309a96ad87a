import ServiceLifecycle

/// The loop of the services that collect on an interval: `tick` runs at each multiple of
/// `interval` ms of the wall clock (so series line up across restarts and with other
/// collectors), with the multiple as its time; a tick that overruns skips the missed
/// multiples rather than bursting. Returns when the task is cancelled or the service
/// shuts down gracefully.
struct AlignedTicker: Sendable {
    let interval: Int64
    let now: @Sendable () -> Int64

    func run(_ tick: (Int64) async -> Void) async {
        await withGracefulShutdownHandler {
            var next = (now() / interval + 1) * interval
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let wait = next - now()
                if wait > 0 {
                    do { try await Task.sleep(for: .milliseconds(wait)) } catch { break }
                }
                await tick(next)
                next += interval
                while next <= now() { next += interval }
            }
        } onGracefulShutdown: {}
    }
}

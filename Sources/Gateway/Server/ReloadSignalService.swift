import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on SIGHUP, as Prometheus and Alertmanager do.
struct ReloadSignalService: Service {
    let reload: @Sendable () async -> Void

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                for await _ in signals.cancelOnGracefulShutdown() {
                    await reload()
                }
            } onCancel: {}
        } onGracefulShutdown: {}
    }
}

import ServiceLifecycle
import UnixSignals

/// Checks the certificate files every `interval`, and at once on SIGHUP (what `systemctl reload`
/// and certificate renewal hooks send).
struct CertificateReload: Service {
    let certificates: ServerCertificates
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) { certificates.reloadIfChanged() }
                }
                tasks.addTask {
                    while (try? await Task.sleep(for: interval)) != nil { certificates.reloadIfChanged() }
                }
                await tasks.next()
                tasks.cancelAll()
            }
        }
    }
}

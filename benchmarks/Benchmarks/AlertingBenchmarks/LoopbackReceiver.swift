// A webhook receiver for the delivery benchmark: a SwiftNIO HTTP/1.1 server on loopback that
// answers every request 200 with an empty body and counts what it got. In process, so that
// the figure is Sextant's delivery path, not a Python receiver's speed.
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

final class LoopbackReceiver: Sendable {
    let port: Int
    private let channel: any Channel
    private let counter: Counter

    final class Counter: Sendable {
        let requests = Atomic<Int>(0)
    }

    init() async throws {
        let counter = Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.channel = channel
        self.counter = counter
        port = channel.localAddress?.port ?? 0
    }

    var requests: Int { counter.requests.load(ordering: .relaxed) }

    func close() async throws { try await channel.close() }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let counter: Counter

        init(counter: Counter) { self.counter = counter }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            counter.requests.add(1, ordering: .relaxed)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "0")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

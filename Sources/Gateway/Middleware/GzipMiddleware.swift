public import Hummingbird
import CompressNIO
import NIOCore
import Foundation

/// Compresses responses with gzip when the client accepts it and the body is worth it
/// (textual, over 1 KiB). Bodies here are built in memory, so the whole body is collected
/// and compressed in one pass.
public struct GzipMiddleware: RouterMiddleware {
    public typealias Context = SextantContext
    static let minimumSize = 1024

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        guard Self.acceptsGzip(request.headers[.acceptEncoding]),
              response.headers[.contentEncoding] == nil,
              Self.isCompressible(response.headers[.contentType]),
              (response.body.contentLength ?? Int.max) >= Self.minimumSize
        else { return response }
        var response2 = response
        var collector = CollectingWriter()
        try await response.body.write(collector.writer)
        var body = collector.buffer.value
        guard body.readableBytes >= Self.minimumSize else {
            response2.body = .init(byteBuffer: body)
            return response2
        }
        let compressed = try body.compress(with: .gzip())
        response2.headers[.contentEncoding] = "gzip"
        response2.headers[.vary] = response2.headers[.vary].map { $0 + ", Accept-Encoding" } ?? "Accept-Encoding"
        response2.headers[.contentLength] = nil
        response2.body = .init(byteBuffer: compressed)
        return response2
    }

    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { part in
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.first?.lowercased() == "gzip" || fields.first == "*" else { return false }
            return !fields.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
        }
    }

    static func isCompressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return false }
        return type.hasPrefix("text/") || type.contains("json") || type.contains("openmetrics") || type.contains("javascript")
    }
}

/// Gathers a response body into one buffer.
struct CollectingWriter {
    final class Box: @unchecked Sendable {
        // @unchecked: written only by the single writer below, read after `write` returns.
        var value = ByteBuffer()
    }
    struct Writer: ResponseBodyWriter {
        let box: Box
        mutating func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            box.value.writeBuffer(&buffer)
        }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
    let box = Box()
    var writer: Writer { Writer(box: box) }
    var buffer: Box { box }
}

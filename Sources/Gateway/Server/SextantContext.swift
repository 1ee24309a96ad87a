public import Hummingbird

/// Per-request state every Sextant route sees: Hummingbird's core storage plus the request
/// id that the response, the access log and any error envelope carry.
public struct SextantContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    /// Set by the body-limit middleware from the configured `server.max_body_size`.
    public var maxBodySize: Int = 32 << 20

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { maxBodySize }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TSDB

/// The kernel identification of `uname(2)`, exported as `node_uname_info`.
public struct UnameInfo: Equatable, Sendable {
    public var sysname: String
    public var nodename: String
    public var release: String
    public var version: String
    public var machine: String
    /// The NIS domain name; Linux reports `(none)` when unset. Empty on systems without one.
    public var domainname: String

    public init(sysname: String, nodename: String, release: String, version: String, machine: String, domainname: String) {
        self.sysname = sysname
        self.nodename = nodename
        self.release = release
        self.version = version
        self.machine = machine
        self.domainname = domainname
    }

    /// This machine's, or nil if `uname(2)` fails.
    @Sendable
    public static func current() -> UnameInfo? {
        var names = utsname()
        guard uname(&names) == 0 else { return nil }
        #if canImport(Glibc)
        // glibc names the field `domainname` only under _GNU_SOURCE, which Swift's module does not set.
        let domainname = string(&names.__domainname)
        #else
        let domainname = ""
        #endif
        return UnameInfo(
            sysname: string(&names.sysname),
            nodename: string(&names.nodename),
            release: string(&names.release),
            version: string(&names.version),
            machine: string(&names.machine),
            domainname: domainname
        )
    }

    /// A NUL-terminated C character array (imported as a tuple) as a String.
    private static func string<Tuple>(_ field: inout Tuple) -> String {
        withUnsafeBytes(of: &field) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// `node_uname_info{domainname,machine,nodename,release,sysname,version} 1`; an empty
    /// value would drop its label, so it is left out as Prometheus would.
    func appendSamples(to samples: inout [HostSample]) {
        let pairs = [
            Label("domainname", domainname), Label("machine", machine), Label("nodename", nodename),
            Label("release", release), Label("sysname", sysname), Label("version", version),
        ].filter { !$0.value.isEmpty }
        samples.append(HostSample("node_uname_info", pairs, 1))
    }
}

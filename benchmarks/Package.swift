// swift-tools-version:6.1
//
// Sextant's benchmark suites (package-benchmark). A package of its own, so that the main
// package's `swift build` and CI never build the benchmark harness or its dependencies.
//
//   cd benchmarks && swift package --allow-writing-to-package-directory benchmark
//
// Only the `TSDB` and `Query` products of the main package are used by the storage and query
// suites: the servers' targets (Collector, Gateway) pull in AsyncHTTPClient and Hummingbird,
// which are too heavy to build in release on the 2-core development machine just to benchmark
// the storage engine. `AlertingBenchmarks` alone adds `Alerting` and `Fleet` (and with them
// SwiftNIO, NIOSSL, AsyncHTTPClient and GRDB); `CollectorParsing` and `rwload` add
// `Collector` (AsyncHTTPClient, Yams, ServiceLifecycle, no Hummingbird); building the other
// suites does not build them.
import PackageDescription

let benchmarkDependencies: [Target.Dependency] = [
    "BenchSupport",
    "DataGenerator",
    .product(name: "Benchmark", package: "benchmark"),
    .product(name: "TSDB", package: "sextant"),
]

func suite(_ name: String, extra: [Target.Dependency] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: benchmarkDependencies + extra,
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "sextant-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sextant", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
        // Already in the graph through TSDB; named here to quiet the stores' info logs.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        // Already in the graph through Alerting; the delivery benchmark's receiver and client.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.20.0"),
    ],
    targets: [
        // Deterministic node-exporter-like samples: in process, or as an OpenMetrics file.
        .target(
            name: "DataGenerator",
            dependencies: [.product(name: "TSDB", package: "sextant")]
        ),
        // Store set-up shared by the suites (temporary directories, filling a store).
        .target(
            name: "BenchSupport",
            dependencies: [
                "DataGenerator",
                .product(name: "TSDB", package: "sextant"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `swift run -c release datagen --targets 50 --hours 24 --out FILE`
        .executableTarget(
            name: "datagen",
            dependencies: ["DataGenerator"]
        ),
        // `rwload --url URL --connections C --duration D --payloads K …`: remote-write load for
        // compare-remote-write.sh (pre-encoded node-exporter-like bodies, samples/s, CPU).
        .executableTarget(
            name: "rwload",
            dependencies: [
                "DataGenerator",
                .product(name: "TSDB", package: "sextant"),
                .product(name: "Collector", package: "sextant"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        suite("ChunkEncoding"),
        suite("Append"),
        suite("BytesPerSample"),
        suite("Select"),
        suite("QueryRange", extra: [.product(name: "Query", package: "sextant")]),
        suite("Downsampling", extra: [.product(name: "Query", package: "sextant")]),
        suite("WALReplay"),
        suite("HeadMemory"),
        suite("CollectorParsing", extra: [.product(name: "Collector", package: "sextant")]),
        suite("AlertingBenchmarks", extra: [
            .product(name: "Query", package: "sextant"),
            .product(name: "Alerting", package: "sextant"),
            .product(name: "Fleet", package: "sextant"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    ]
)

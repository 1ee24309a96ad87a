public import TSDB

/// The route tree with every inherited field filled in, matched as Alertmanager matches:
/// depth first, the first matching child wins unless it says `continue`, and a node with
/// no matching child takes the alert itself.
public struct RoutingTree: Sendable {
    public let root: Node

    public struct Node: Sendable {
        /// Unique within the tree: the matchers of the path from the root, plus the child
        /// index, as Alertmanager's route keys (`{}/{severity="page"}/1`).
        public let key: String
        public let receiver: String
        public let groupBy: [String]
        public let groupByAll: Bool
        public let matchers: [LabelMatcher]
        public let continueMatching: Bool
        public let groupWait: Int64
        public let groupInterval: Int64
        public let repeatInterval: Int64
        public let muteTimeIntervals: [String]
        public let activeTimeIntervals: [String]
        public let children: [Node]

        /// The labels that name this node's group for `labels`.
        public func groupLabels(for labels: Labels) -> Labels {
            if groupByAll { return labels }
            return Labels(labels.pairs.filter { groupBy.contains($0.name) })
        }
    }

    public init(_ route: Route) {
        root = Self.resolve(route, parent: nil, key: "{}")
    }

    private static func resolve(_ route: Route, parent: Node?, key: String) -> Node {
        let receiver = route.receiver ?? parent?.receiver ?? ""
        let groupBy = route.groupBy ?? (route.groupByAll ? [] : parent?.groupBy ?? [])
        let groupByAll = route.groupBy == nil && !route.groupByAll ? parent?.groupByAll ?? false : route.groupByAll
        let groupWait = route.groupWait ?? parent?.groupWait ?? Route.defaultGroupWait
        let groupInterval = route.groupInterval ?? parent?.groupInterval ?? Route.defaultGroupInterval
        let repeatInterval = route.repeatInterval ?? parent?.repeatInterval ?? Route.defaultRepeatInterval
        // Children are resolved against this node, so build it in two steps.
        let shell = Node(
            key: key, receiver: receiver, groupBy: groupBy, groupByAll: groupByAll, matchers: route.matchers,
            continueMatching: route.continueMatching, groupWait: groupWait, groupInterval: groupInterval,
            repeatInterval: repeatInterval, muteTimeIntervals: route.muteTimeIntervals, activeTimeIntervals: route.activeTimeIntervals,
            children: [])
        let children = route.routes.enumerated().map { index, child in
            resolve(child, parent: shell, key: key + "/{" + child.matchers.map(\.description).joined(separator: ",") + "}/\(index)")
        }
        return Node(
            key: key, receiver: receiver, groupBy: groupBy, groupByAll: groupByAll, matchers: route.matchers,
            continueMatching: route.continueMatching, groupWait: groupWait, groupInterval: groupInterval,
            repeatInterval: repeatInterval, muteTimeIntervals: route.muteTimeIntervals, activeTimeIntervals: route.activeTimeIntervals,
            children: children)
    }

    /// The nodes that take an alert with these labels; never empty (the root takes what no child does).
    public func match(_ labels: Labels) -> [Node] {
        Self.match(root, labels)
    }

    private static func match(_ node: Node, _ labels: Labels) -> [Node] {
        guard node.matchers.allSatisfy({ $0.matches(labels[$0.name] ?? "") }) else { return [] }
        var matched: [Node] = []
        for child in node.children {
            let found = match(child, labels)
            matched += found
            if !found.isEmpty && !child.continueMatching { break }
        }
        return matched.isEmpty ? [node] : matched
    }
}

import Alerting
import Fleet
import Foundation
import Testing
import TSDB

/// Alertmanager's time intervals: which instants they hold, and routes muted or active by them.
@Suite struct AlertTimeIntervalTests {
    // Instants (UTC) worked out beforehand: 2026-12-05 is a Saturday, 2026-12-07 a Monday.
    static let saturdayMorning: Int64 = 1_796_466_600_000 // 2026-12-05 10:30
    static let mondayBefore18: Int64 = 1_796_666_340_000 // 2026-12-07 17:59
    static let monday18: Int64 = 1_796_666_400_000 // 2026-12-07 18:00
    static let mondayBerlin1830: Int64 = 1_796_664_600_000 // 2026-12-07 17:30 UTC, 18:30 in Berlin
    static let newYearsEve: Int64 = 1_798_718_400_000 // 2026-12-31 12:00, a Thursday
    static let lastOfFebruary: Int64 = 1_772_280_000_000 // 2026-02-28 12:00
    static let dayBeforeLastOfFebruary: Int64 = 1_772_193_600_000 // 2026-02-27 12:00
    static let leapDay: Int64 = 1_709_208_000_000 // 2024-02-29 12:00

    static func evenings() throws -> AlertTimeInterval {
        var interval = AlertTimeInterval()
        interval.times = [try AlertTimeInterval.timeRange(start: "18:00", end: "24:00")]
        interval.weekdays = [try AlertTimeInterval.weekdayRange("monday:friday")]
        return interval
    }

    @Test func timesAreStartInclusiveEndExclusiveOnTheGivenWeekdays() throws {
        let evenings = try Self.evenings()
        #expect(!evenings.contains(Self.mondayBefore18))
        #expect(evenings.contains(Self.monday18))
        #expect(!evenings.contains(Self.saturdayMorning), "Saturday is not monday:friday")
        var berlin = evenings
        berlin.location = try AlertTimeInterval.location("Europe/Berlin")
        #expect(berlin.contains(Self.mondayBerlin1830))
        #expect(!evenings.contains(Self.mondayBerlin1830), "17:30 in UTC")
    }

    @Test func negativeDaysOfMonthCountFromTheEndOfThatMonth() throws {
        var last = AlertTimeInterval()
        last.daysOfMonth = [try AlertTimeInterval.dayOfMonthRange("-1")]
        #expect(last.contains(Self.lastOfFebruary))
        #expect(!last.contains(Self.dayBeforeLastOfFebruary))
        #expect(last.contains(Self.newYearsEve))
        #expect(last.contains(Self.leapDay), "2024 is a leap year: February ends on the 29th")
        var firstToLast = AlertTimeInterval()
        firstToLast.daysOfMonth = [try AlertTimeInterval.dayOfMonthRange("1:-2")]
        #expect(firstToLast.contains(Self.dayBeforeLastOfFebruary))
        #expect(!firstToLast.contains(Self.lastOfFebruary))
    }

    @Test func monthsAndYearsTakeNamesNumbersAndRanges() throws {
        var winter = AlertTimeInterval()
        winter.months = [try AlertTimeInterval.monthRange("December"), try AlertTimeInterval.monthRange("1:2")]
        winter.years = [try AlertTimeInterval.yearRange("2026:2027")]
        #expect(winter.contains(Self.newYearsEve))
        #expect(winter.contains(Self.lastOfFebruary))
        #expect(!winter.contains(Self.leapDay), "2024 is outside 2026:2027")
        #expect(AlertTimeInterval().contains(Self.leapDay), "an interval with no fields holds every instant")
    }

    @Test(arguments: ["", ":", "monday:", "sunday:saturday:monday", "Mon"])
    func badWeekdaysAreRefused(_ text: String) {
        #expect(throws: TimeIntervalError.self) { try AlertTimeInterval.weekdayRange(text) }
    }

    @Test(arguments: [("24:01", "24:00"), ("12:60", "13:00"), ("-1:00", "01:00"), ("aa:bb", "01:00"), ("12:00", "12:00"), ("1200", "1300")])
    func badTimesAreRefused(_ start: String, _ end: String) {
        #expect(throws: TimeIntervalError.self) { try AlertTimeInterval.timeRange(start: start, end: end) }
    }

    // MARK: Routes

    func dispatcher(mute: [String] = [], active: [String] = []) throws -> (NotificationDispatcher, AlertingStore) {
        let directory = NSTemporaryDirectory() + "timeintervals-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = AlertingStore(catalog: try Catalog(path: directory + "/catalog.sqlite"))
        var config = NotificationConfig(
            route: Route(receiver: "ops", groupBy: ["alertname"], groupWait: 0, groupInterval: 60_000, repeatInterval: 3_600_000, routes: [
                Route(receiver: "ops", matchers: [try LabelMatcher(.equal, "team", "db")]),
            ]),
            receivers: [Receiver(name: "ops", webhooks: [WebhookConfig(url: "http://127.0.0.1:9/hook")])])
        config.route.routes[0].muteTimeIntervals = mute
        config.route.routes[0].activeTimeIntervals = active
        config.timeIntervals = ["evenings": [try Self.evenings()]]
        return (try NotificationDispatcher(config: config, store: store), store)
    }

    func fire(_ dispatcher: NotificationDispatcher, at now: Int64) async {
        await dispatcher.receive([NotifiableAlert(labels: Labels(["alertname": "Slow", "team": "db"]), startsAt: now, updatedAt: now)], at: now)
    }

    @Test func aMutedRouteSendsNothingInsideItsIntervalAndSendsWhenItEnds() async throws {
        let (dispatcher, store) = try dispatcher(mute: ["evenings"])
        let at = Self.monday18
        await fire(dispatcher, at: at)
        #expect(try await dispatcher.tick(at: at) == 0, "18:00 on a Monday is muted")
        // Still muted an hour later; then Tuesday 00:00 is outside the interval.
        let midnight = at + 6 * 3_600_000
        var now = at
        while now < midnight - 60_000 {
            now += 60_000
            await fire(dispatcher, at: now)
            #expect(try await dispatcher.tick(at: now) == 0)
        }
        now = midnight
        await fire(dispatcher, at: now)
        #expect(try await dispatcher.tick(at: now) == 1)
        #expect(try store.outbox(limit: 10).count == 1)
    }

    @Test func anActiveRouteSendsOnlyInsideItsInterval() async throws {
        let (dispatcher, _) = try dispatcher(active: ["evenings"])
        let at = Self.mondayBefore18
        await fire(dispatcher, at: at)
        #expect(try await dispatcher.tick(at: at) == 0, "17:59 is before the active interval")
        await fire(dispatcher, at: Self.monday18)
        #expect(try await dispatcher.tick(at: at + 60_000) == 1, "18:00 is inside")
    }
}

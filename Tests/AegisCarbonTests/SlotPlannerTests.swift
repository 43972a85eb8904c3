import AegisCarbon
import Foundation
import Testing

/// The scheduler's choice on fixture forecasts whose minimum is known.
@Suite struct SlotPlannerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func slots(_ values: [Double], from offset: TimeInterval = 0) -> [ForecastPoint] {
        values.enumerated().map {
            ForecastPoint(start: now.addingTimeInterval(offset + Double($0.offset) * 1800), duration: 1800, gramsPerKWh: $0.element)
        }
    }

    @Test func theCleanestSlotBeforeTheDeadlineIsPicked() {
        let choice = SlotPlanner.choose(
            now: Self.now, deadline: Self.now.addingTimeInterval(4 * 3600), home: "eastus", current: 300,
            forecasts: ["eastus": Self.slots([300, 280, 150, 90, 200, 40])])
        // 40 is at +2.5 h, before the 4 h deadline; 90 at +1.5 h is not the minimum.
        #expect(
            choice
                == SlotChoice(
                    start: Self.now.addingTimeInterval(5 * 1800), region: "eastus", intensity: 40,
                    reason: "the cleanest forecast slot before the deadline"))
    }

    @Test func aSlotAfterTheDeadlineIsNotConsidered() {
        let choice = SlotPlanner.choose(
            now: Self.now, deadline: Self.now.addingTimeInterval(3600), home: "eastus", current: 300,
            forecasts: ["eastus": Self.slots([300, 280, 10])])
        #expect(choice.start == Self.now.addingTimeInterval(1800) && choice.intensity == 280)
    }

    /// A deadline shorter than any clean slot: at once.
    @Test func aDeadlineBeforeAnyCleanerSlotRunsAtOnce() {
        let choice = SlotPlanner.choose(
            now: Self.now, deadline: Self.now.addingTimeInterval(600), home: "eastus", current: 250,
            forecasts: ["eastus": Self.slots([250, 100])])
        #expect(choice.start == Self.now && choice.region == "eastus" && choice.intensity == 250)
        #expect(choice.reason == "no cleaner slot before the deadline: runs at once")
    }

    @Test func withoutAForecastItRunsAtOnce() {
        let choice = SlotPlanner.choose(now: Self.now, deadline: Self.now.addingTimeInterval(86400), home: "eastus", current: 300, forecasts: [:])
        #expect(choice == SlotChoice(start: Self.now, region: "eastus", intensity: 300, reason: "no forecast: runs at once"))
    }

    @Test func theCleanestRegionIsPickedAndTiesStayHome() {
        let deadline = Self.now.addingTimeInterval(3 * 3600)
        let choice = SlotPlanner.choose(
            now: Self.now, deadline: deadline, home: "eastus", current: 300,
            forecasts: ["eastus": Self.slots([300, 200, 120]), "westus": Self.slots([60, 250, 250]), "northeurope": Self.slots([90])])
        #expect(choice.region == "westus" && choice.start == Self.now && choice.intensity == 60)
        let tie = SlotPlanner.choose(
            now: Self.now, deadline: deadline, home: "eastus", current: 300,
            forecasts: ["eastus": Self.slots([300, 60]), "westus": Self.slots([300, 60])])
        #expect(tie.region == "eastus" && tie.start == Self.now.addingTimeInterval(1800))
    }

    /// A slot already under way starts now, not in the past.
    @Test func aSlotUnderWayStartsNow() {
        let choice = SlotPlanner.choose(
            now: Self.now, deadline: Self.now.addingTimeInterval(3600), home: "eastus", current: 300,
            forecasts: ["eastus": Self.slots([50], from: -600)])
        #expect(choice.start == Self.now && choice.intensity == 50)
    }
}

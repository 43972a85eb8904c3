import Foundation

/// The two forms of the signing time: `20150830T123600Z` (`x-amz-date`) and `20150830` (the scope).
struct SigV4Timestamp: Sendable, Hashable {
    let dateTime: String
    let date: String

    init(_ instant: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        date = pad(parts.year, 4) + pad(parts.month, 2) + pad(parts.day, 2)
        dateTime = date + "T" + pad(parts.hour, 2) + pad(parts.minute, 2) + pad(parts.second, 2) + "Z"
    }
}

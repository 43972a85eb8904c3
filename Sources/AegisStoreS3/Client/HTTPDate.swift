import Foundation

/// Dates as S3 writes them: IMF-fixdate in headers (`Wed, 12 Oct 2009 17:50:00 GMT`), ISO 8601 in
/// XML (`2009-10-12T17:50:30.000Z`, with or without the fraction).
enum HTTPDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Parses an IMF-fixdate; other (obsolete) HTTP date forms give `nil`.
    static func parse(_ text: String) -> Date? {
        // "Wed, 12 Oct 2009 17:50:00 GMT" → ["Wed,", "12", "Oct", "2009", "17:50:00", "GMT"]
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
            let month = months.firstIndex(of: String(parts[2]))
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        return date(year: year, month: month + 1, day: day, hour: time[0], minute: time[1], second: time[2])
    }

    /// Parses `2009-10-12T17:50:30.000Z` or `2009-10-12T17:50:30Z`.
    static func parseISO8601(_ text: String) -> Date? {
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return (try? withFraction.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    private static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar.date(
            from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The Carbon Aware SDK's JSON (its web API's `EmissionsDataDTO` and `EmissionsForecastDTO`).
enum CarbonAware {
    struct EmissionsData: Decodable {
        var location: String?
        var time: String
        var rating: Double
    }

    struct Forecast: Decodable {
        var location: String?
        var forecastData: [DataPoint]
    }

    struct DataPoint: Decodable {
        var timestamp: String
        /// Minutes.
        var duration: Double
        var value: Double
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// The points of `forecasts` as slots, in time order.
    static func points(_ forecasts: [Forecast]) throws -> [ForecastPoint] {
        try forecasts.flatMap(\.forecastData).map { point in
            guard let start = date(point.timestamp), point.duration > 0, point.value.isFinite, point.value >= 0 else {
                throw IntensitySourceError("a forecast point is malformed: \(point.timestamp), \(point.duration) min, \(point.value)")
            }
            return ForecastPoint(start: start, duration: point.duration * 60, gramsPerKWh: point.value)
        }.sorted { $0.start < $1.start }
    }

    /// The slot covering `date`.
    static func covering(_ date: Date, in points: [ForecastPoint]) -> ForecastPoint? {
        points.last { $0.start <= date && date < $0.start.addingTimeInterval($0.duration) }
    }
}

/// A Carbon Aware SDK web API: `GET /emissions/bylocation` for the intensity now (its newest
/// reading of the last hour), `GET /emissions/forecasts/current` for the forecast.
public struct CarbonAwareWebSource: IntensitySource {
    let baseURL: String
    public let location: String
    let client: HTTPClient
    /// The most an answer may hold.
    static let maxBytes = 4 << 20

    public init(baseURL: String, location: String, client: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.location = location
        self.client = client
    }

    public var name: String { "live:\(location)" }

    public func current(at date: Date) async throws -> Double {
        let readings: [CarbonAware.EmissionsData] = try await get(
            "/emissions/bylocation", ["location": location, "time": date.addingTimeInterval(-3600).ISO8601Format(), "toTime": date.ISO8601Format()])
        let latest = readings.compactMap { reading in CarbonAware.date(reading.time).map { ($0, reading.rating) } }
            .filter { $0.0 <= date }.max { $0.0 < $1.0 }
        guard let latest else { throw IntensitySourceError("\(baseURL) has no reading for \(location) in the last hour") }
        return latest.1
    }

    public func forecast(for location: String, from: Date, to: Date) async throws -> [ForecastPoint] {
        let forecasts: [CarbonAware.Forecast] = try await get(
            "/emissions/forecasts/current", ["location": location, "dataStartAt": from.ISO8601Format(), "dataEndAt": to.ISO8601Format()])
        return try CarbonAware.points(forecasts).filter { $0.start < to && $0.start.addingTimeInterval($0.duration) > from }
    }

    private func get<T: Decodable>(_ path: String, _ query: [String: String]) async throws -> T {
        var components = URLComponents(string: baseURL + path)
        components?.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        guard let url = components?.url?.absoluteString else { throw IntensitySourceError("carbon.intensity_url is not a URL") }
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        guard response.status == .ok else { throw IntensitySourceError("\(url) answered \(response.status.code)") }
        let body = try await response.body.collect(upTo: Self.maxBytes)
        return try JSONDecoder().decode(T.self, from: Data(buffer: body))
    }
}

/// A Carbon Aware SDK forecast file (the JSON `…/emissions/forecasts/current` answers), read at
/// each refresh: the intensity now is the slot covering now.
public struct ForecastFileSource: IntensitySource {
    let path: String
    public let location: String

    public init(path: String, location: String) {
        self.path = path
        self.location = location
    }

    public var name: String { "forecast:\(location)" }

    public func current(at date: Date) async throws -> Double {
        guard let slot = CarbonAware.covering(date, in: try points(for: location)) else {
            throw IntensitySourceError("\(path) has no slot covering \(date.ISO8601Format())")
        }
        return slot.gramsPerKWh
    }

    public func forecast(for location: String, from: Date, to: Date) async throws -> [ForecastPoint] {
        try points(for: location).filter { $0.start < to && $0.start.addingTimeInterval($0.duration) > from }
    }

    /// The file's slots for `location` (a file may hold several locations' forecasts).
    private func points(for location: String) throws -> [ForecastPoint] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let forecasts = try JSONDecoder().decode([CarbonAware.Forecast].self, from: data)
        return try CarbonAware.points(forecasts.filter { $0.location == nil || $0.location == location })
    }
}

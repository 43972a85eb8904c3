import AegisCore
import AegisStore
import Foundation
import Testing

/// The object-store blob driver's catalog: digest → object records and upload states.
@Suite struct ObjectCatalogConformanceTests {
    @Test(arguments: MetadataDriver.all)
    func theFirstObjectRecordedForADigestWins(driver: MetadataDriver) async throws {
        try await driver.with { store async throws in
            let time = Date(timeIntervalSince1970: 1_700_000_000)
            let first = BlobObjectRecord(digest: digest("a"), key: "objects/1", size: 10, createdAt: time)
            #expect(try await store.insertBlobObject(first) == first)
            var second = first
            second.key = "objects/2"
            #expect(try await store.insertBlobObject(second) == first)
            #expect(try await store.blobObject(digest("a")) == first)
            #expect(try await store.isBlobObject(key: "objects/1"))
            #expect(try await store.isBlobObject(key: "objects/2") == false)
            #expect(try await store.blobObject(digest("b")) == nil)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func aRecordBeingRemovedIsAbsentButStillListed(driver: MetadataDriver) async throws {
        try await driver.with { store async throws in
            let time = Date(timeIntervalSince1970: 1_700_000_000)
            let records = ["a", "b", "c"].map { BlobObjectRecord(digest: digest($0), key: "objects/\($0)", size: 1, createdAt: time) }
            for record in records { _ = try await store.insertBlobObject(record) }
            let target = records[1].digest
            #expect(try await store.setBlobObjectRemoving(target, true))
            #expect(try await store.setBlobObjectRemoving(target, true) == false)
            #expect(try await store.blobObject(target) == nil)
            #expect(try await store.isBlobObject(key: "objects/b"))
            let sorted = records.sorted { $0.digest.description < $1.digest.description }
            #expect(try await store.blobObjects(after: nil, limit: 2) == Array(sorted.prefix(2)))
            #expect(try await store.blobObjects(after: sorted[1].digest, limit: 2) == [sorted[2]])
            #expect(try await store.setBlobObjectRemoving(target, false))
            #expect(try await store.blobObject(target) == records[1])
            try await store.deleteBlobObject(target)
            try await store.deleteBlobObject(target)
            #expect(try await store.blobObjects(after: nil, limit: 10).count == 2)
            #expect(try await store.setBlobObjectRemoving(target, true) == false)
        }
    }

    @Test(arguments: MetadataDriver.all)
    func uploadStatesAreReplacedOnlyFromTheVersionRead(driver: MetadataDriver) async throws {
        try await driver.with { store async throws in
            let id = UploadID()
            let created = ObjectUploadState(id: id, key: "objects/\(id)", updatedAt: Date(timeIntervalSince1970: 1_700_000_000))
            try await store.insertObjectUpload(created)
            await #expect { try await store.insertObjectUpload(created) } throws: { ($0 as? StoreError)?.code == .conflict }
            #expect(try await store.objectUpload(id) == created)

            var next = created
            next.multipartID = "mp-1"
            next.parts = [.init(number: 1, etag: "\"e1\"", size: 5_242_880)]
            next.pending = [.init(key: "uploads/\(id)/pending-5242880-x", size: 17)]
            next.size = 5_242_897
            next.version = 2
            #expect(try await store.replaceObjectUpload(next))
            // A second writer that read version 1 too loses.
            var stale = created
            stale.size = 3
            stale.version = 2
            #expect(try await store.replaceObjectUpload(stale) == false)
            #expect(try await store.objectUpload(id) == next)
            #expect(try await store.objectUploadIDs() == [id])

            try await store.deleteObjectUpload(id)
            try await store.deleteObjectUpload(id)
            #expect(try await store.objectUpload(id) == nil)
            next.version = 3
            #expect(try await store.replaceObjectUpload(next) == false)
            #expect(try await store.objectUploadIDs().isEmpty)
        }
    }
}

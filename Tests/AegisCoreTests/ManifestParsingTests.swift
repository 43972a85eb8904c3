import AegisCore
import Foundation
import Testing

@Suite struct ManifestParsingTests {
    let digest = "sha256:" + String(repeating: "c", count: 64)

    @Test func imageManifestWithArtifactTypeAndSubject() throws {
        let json = """
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","artifactType":"application/x.sbom",
             "config":{"mediaType":"\(MediaType.ociEmpty)","digest":"\(digest)","size":2},"layers":[],
             "subject":{"mediaType":"\(MediaType.ociManifest)","digest":"\(digest)","size":10},
             "annotations":{"a":"b"}}
            """
        let manifest = try Manifest(parsing: Data(json.utf8), contentType: MediaType.ociManifest)
        #expect(manifest.kind == .image)
        #expect(manifest.referrerArtifactType == "application/x.sbom")
        #expect(manifest.subject?.digest == digest)
        #expect(manifest.annotations == ["a": "b"])
        #expect(manifest.requiredBlobs.count == 1)
    }

    @Test func artifactTypeFallsBackToConfigMediaTypeForImagesOnly() throws {
        let image = #"{"schemaVersion":2,"config":{"mediaType":"application/x.cfg","digest":"\#(digest)","size":2},"layers":[]}"#
        #expect(try Manifest(parsing: Data(image.utf8), contentType: nil).referrerArtifactType == "application/x.cfg")
        let index = #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[]}"#
        #expect(try Manifest(parsing: Data(index.utf8), contentType: nil).referrerArtifactType == nil)
    }

    @Test func mediaTypeMayComeFromTheHeaderOnly() throws {
        let body = #"{"schemaVersion":2,"config":{"mediaType":"x","digest":"\#(digest)","size":2},"layers":[]}"#
        let manifest = try Manifest(parsing: Data(body.utf8), contentType: "\(MediaType.dockerManifest); charset=utf-8")
        #expect(manifest.mediaType == MediaType.dockerManifest)
    }

    @Test func mismatchBetweenHeaderAndBodyIsManifestInvalid() {
        let body = #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[]}"#
        #expect {
            try Manifest(parsing: Data(body.utf8), contentType: MediaType.ociManifest)
        } throws: { ($0 as? RegistryError)?.code == .manifestInvalid }
    }

    @Test func negativeSizeIsManifestInvalid() {
        let body = #"{"schemaVersion":2,"config":{"mediaType":"x","digest":"\#(digest)","size":-1},"layers":[]}"#
        #expect {
            try Manifest(parsing: Data(body.utf8), contentType: nil)
        } throws: { ($0 as? RegistryError)?.code == .manifestInvalid }
    }
}

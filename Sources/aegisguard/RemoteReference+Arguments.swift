import AegisClient
import AegisCore
import ArgumentParser

extension RemoteReference {
    /// A reference argument, refused as a usage error when it does not parse.
    init(argument text: String, fallbackRegistry: String) throws {
        do {
            try self.init(parsing: text, fallbackRegistry: fallbackRegistry)
        } catch let error as RegistryError {
            throw ValidationError("'\(text)' is not [REGISTRY/]TENANT/REPOSITORY[:TAG|@DIGEST]: \(error.message)")
        }
    }
}

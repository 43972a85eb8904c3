/// All the metadata of a registry, as one driver keeps it (SQLite embedded, PostgreSQL when
/// scaled out): what the layers above are given. Each part is its own protocol so that a component
/// can ask for only what it uses.
public protocol MetadataStore: RegistryStore, IdentityStore, GasLedgerStore, CarbonLedgerStore, DeferredRunStore, StorageStore, WasmStore,
    OutboxStore, WebhookStore,
    ObjectCatalogStore, CollectionStore, RetentionStore,
    ClusterStore
{
    /// Releases the connections or files.
    func close() throws
}

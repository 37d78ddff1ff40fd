// @confidential/nx-cache — a shared Nx cache for a team: Nx's self-hosted remote cache API, its entries stored as
// OCI artifacts in a container registry.
export { CacheKey, ENTRY_MEDIA_TYPE, MemoryStore, OciStore, RegistryError, type BlobStore, type OciStoreOptions } from './lib/oci-store.js';
export { startCacheServer, type CacheServer, type CacheServerOptions } from './lib/server.js';

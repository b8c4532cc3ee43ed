// class-transformer keeps its `@Type()` metadata in a storage it exports only from this deep path (the path
// class-validator-jsonschema's documentation uses); its type is the one class-transformer declares.
declare module 'class-transformer/cjs/storage.js' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage.js';
}

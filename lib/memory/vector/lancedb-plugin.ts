/**
 * @module lib/memory/vector/lancedb-plugin
 * What the LanceDB backend needs from @lancedb/lancedb and apache-arrow, in one module. It is
 * never bundled into dist/aios (its native part is ~200 MB): from source it is imported by
 * path; `just build-lancedb` bundles it to dist/lancedb/lancedb.js for the compiled binary.
 */
export { connect } from "@lancedb/lancedb";
export { Field, FixedSizeList, Float32, Float64, Schema, Utf8 } from "apache-arrow";

/**
 * Value types that describe the RPC being traced ({@link dev.acitrace.api.RpcMethod},
 * {@link dev.acitrace.api.RpcSide}, {@link dev.acitrace.api.CallType}), configuration access
 * ({@link dev.acitrace.api.TracingConfig}) and the metadata view SPIs read ({@link dev.acitrace.api.MetadataView}).
 */
package dev.acitrace.api;

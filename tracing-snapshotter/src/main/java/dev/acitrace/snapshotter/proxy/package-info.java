/**
 * A tracing proxy for any containerd snapshotter: {@link dev.acitrace.snapshotter.proxy.SnapshotsProxy}
 * serves containerd's snapshots API by forwarding each call, byte for byte, to an upstream snapshotter
 * (overlaybd, stargz, nydus, ...) with a {@code snapshotter.<Operation>} span around it, and
 * {@link dev.acitrace.snapshotter.proxy.UpstreamChannel} connects to that upstream and keeps it connected.
 */
package dev.acitrace.snapshotter.proxy;

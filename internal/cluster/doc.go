// Package cluster is tonebase's NATS side: the embedded NATS server with
// JetStream that each node may run, the JetStream stream that is the write
// log every node applies in order, the applier that follows it into the
// node's own store, and the snapshots in a JetStream object store from
// which an empty or far-behind node catches up.
//
// It knows nothing of the store beyond the few methods it declares
// (Store): the store decides what an entry means; this package decides
// only where entries live, in which order they arrive, and whether a
// quorum took them.
package cluster

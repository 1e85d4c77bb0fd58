package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Share agrees on a value every node must hold alike: the first node to
// offer one sets it, and each later one gets it back. Values are compared
// by same, since a sealed value differs each time it is sealed; offer may
// be nil (this node has none), in which case create supplies one if the
// cluster has none either.
func (c *Cluster) Share(ctx context.Context, name string, offer []byte, create func() ([]byte, error), same func(a, b []byte) (bool, error)) ([]byte, error) {
	for range 3 {
		e, err := c.shared.Get(ctx, name)
		switch {
		case err == nil:
			if offer != nil {
				ok, err := same(offer, e.Value())
				if err != nil {
					return nil, fmt.Errorf("cluster: shared %s: %w", name, err)
				}
				if !ok {
					return nil, fmt.Errorf("cluster: this node's %s is not the one the cluster's other nodes share: %w", name, ErrNotShared)
				}
			}
			return e.Value(), nil
		case !errors.Is(err, jetstream.ErrKeyNotFound):
			return nil, fmt.Errorf("cluster: shared %s: %w", name, err)
		}
		v := offer
		if v == nil {
			if v, err = create(); err != nil {
				return nil, err
			}
		}
		if _, err := c.shared.Create(ctx, name, v); err == nil {
			return v, nil
		} else if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("cluster: shared %s: %w", name, err)
		}
		// Another node offered first: take its value.
	}
	return nil, fmt.Errorf("cluster: shared %s: could not agree", name)
}

// ErrNotShared is a node holding a value other than the cluster's.
var ErrNotShared = errors.New("cluster: value differs from the cluster's")

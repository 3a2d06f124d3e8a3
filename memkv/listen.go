package memkv

import "github.com/jetsim/jetsim/wire"

// Listen makes the manager's server (see InProcessConn) accept TCP
// connections on addr, "127.0.0.1:0" for a free port of loopback, and
// returns the URL clients dial:
//
//	url, err := kvm.Listen("127.0.0.1:0")
//	nc, err := nats.Connect(url)
//
// so that code which only takes a URL, and programs in other processes or
// languages, reach the manager's buckets. Close closes the listeners with
// the connections, and DropConnections drops TCP clients too. opts ask
// clients for credentials (wire.WithUserPassword, wire.WithToken). The error
// is net.Listen's.
func (m *Manager) Listen(addr string, opts ...wire.ListenOption) (string, error) {
	return m.server().Listen(addr, opts...)
}

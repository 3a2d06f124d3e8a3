package stream_test

import "os"

// osMkdirTemp makes the embedded server's store directory. It outlives
// the test that starts the server, which is shared by the package.
func osMkdirTemp() (string, error) { return os.MkdirTemp("", "jetsim-stream-oracle-") }

package clients

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// natscliVersion is the nats CLI release the tests run: `go install` builds it with its own go.mod,
// exactly as a user who installs that release gets it.
const natscliVersion = "v0.5.0"

// Paths set by TestMain.
var (
	natsBin   string // the nats CLI
	jetsimBin string // cmd/jetsim, built from this checkout
	nodeDir   string // the nats.js script and its node_modules
)

// TestMain makes sure the clients are installed (.ci/clients installs them beforehand; a plain
// `go test` here installs what is missing) and builds cmd/jetsim once for every test.
func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "clients:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	wd, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	natsBin = filepath.Join(wd, ".bin", "nats")
	nodeDir = filepath.Join(wd, "node")
	if err := installNatsCLI(filepath.Dir(natsBin)); err != nil {
		return 0, err
	}
	if err := installNodeModules(nodeDir); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp("", "jetsim-clients-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	jetsimBin = filepath.Join(tmp, "jetsim")
	// built in jetsim's own module, as a user's `go install` builds it
	if err := command(filepath.Dir(wd), "go", "build", "-o", jetsimBin, "./cmd/jetsim"); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// installNatsCLI installs the nats CLI into dir unless the right release is already there.
func installNatsCLI(dir string) error {
	out, err := exec.Command(filepath.Join(dir, "nats"), "--version").CombinedOutput()
	if err == nil && strings.TrimSpace(string(out)) == natscliVersion {
		return nil
	}
	cmd := exec.Command("go", "install", "github.com/nats-io/natscli/nats@"+natscliVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go install natscli %s: %v\n%s", natscliVersion, err, out)
	}
	return nil
}

// installNodeModules runs `npm ci` in dir unless node_modules is there.
func installNodeModules(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@nats-io", "kv")); err == nil {
		return nil
	}
	return command(dir, "npm", "ci", "--no-audit", "--no-fund")
}

// command runs name in dir and returns its output with the error.
func command(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

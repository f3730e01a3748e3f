package scaffold

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Module paths of the two billy-mcp modules a plugin builds against.
const (
	sdkModule   = "github.com/billy-mcp/billy-mcp/sdk"
	protoModule = "github.com/billy-mcp/billy-mcp/proto"
)

// Checkout is the billy-mcp checkout whose sdk/ and proto/ a new plugin
// builds against.
type Checkout struct {
	// Root is the checkout's top directory; SDK and Proto are its sdk/
	// and proto/ modules. All absolute.
	Root, SDK, Proto string
	// GoVersion is the sdk's go directive, the least Go a plugin needs.
	GoVersion string
}

// FindCheckout locates the checkout. sdkDir, when not empty, is the sdk
// module's directory (the --sdk flag); proto/ must be its sibling, as in
// the repository. Otherwise it tries, in order, the source tree this binary
// was built from (known when it was built without -trimpath: go run, go
// test, the e2e harness) and the directory above the binary's own (make
// build puts it in the checkout's bin/).
func FindCheckout(sdkDir string) (Checkout, error) {
	if sdkDir != "" {
		abs, err := filepath.Abs(sdkDir)
		if err != nil {
			return Checkout{}, err
		}
		return checkoutAt(filepath.Dir(abs), abs)
	}
	var tried []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		// file is ROOT/host/internal/scaffold/checkout.go.
		root := filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(file))))
		if c, err := checkoutAt(root, filepath.Join(root, "sdk")); err == nil {
			return c, nil
		}
		tried = append(tried, root)
	}
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			root := filepath.Dir(filepath.Dir(exe))
			if c, err := checkoutAt(root, filepath.Join(root, "sdk")); err == nil {
				return c, nil
			}
			tried = append(tried, root)
		}
	}
	return Checkout{}, fmt.Errorf("cannot find the billy-mcp checkout this binary came from (looked in %s); pass --sdk /path/to/billy-mcp/sdk",
		strings.Join(tried, ", "))
}

// checkoutAt checks that sdk and its sibling proto hold the billy-mcp
// modules.
func checkoutAt(root, sdk string) (Checkout, error) {
	c := Checkout{Root: root, SDK: sdk, Proto: filepath.Join(filepath.Dir(sdk), "proto")}
	mod, goVersion, err := readGoMod(c.SDK)
	if err == nil && mod != sdkModule {
		err = fmt.Errorf("%s is module %q, not %s", c.SDK, mod, sdkModule)
	}
	if err != nil {
		return Checkout{}, err
	}
	if mod, _, err := readGoMod(c.Proto); err != nil || mod != protoModule {
		return Checkout{}, fmt.Errorf("%s: no %s module next to the sdk (%v)", c.Proto, protoModule, err)
	}
	if goVersion == "" {
		return Checkout{}, fmt.Errorf("%s/go.mod has no go directive", c.SDK)
	}
	c.GoVersion = goVersion
	return c, nil
}

// readGoMod returns the module path and go version declared in dir/go.mod.
// Both are single-line directives, which is all a plugin needs to know.
func readGoMod(dir string) (module, goVersion string, err error) {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		switch fields[0] {
		case "module":
			module = strings.Trim(fields[1], "\"`")
		case "go":
			goVersion = fields[1]
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", err
	}
	if module == "" {
		return "", "", errors.New(filepath.Join(dir, "go.mod") + " declares no module")
	}
	return module, goVersion, nil
}

package pluginv1

import (
	"fmt"
	"regexp"
)

// toolNamePattern is the one tool-name rule: MCP's recommended character set
// and length. The sdk refuses a declaration that breaks it and the host a
// plugin that describes one, with the same words.
var toolNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// CheckToolName says whether name may be a tool's name, and if not, why.
func CheckToolName(name string) error {
	if !toolNamePattern.MatchString(name) {
		return fmt.Errorf("tool name %q must be 1 to 64 letters, digits, '_' or '-' (%s)", name, toolNamePattern)
	}
	return nil
}

package pluginhost

import "fmt"

// CheckToolName reports whether name is allowed as a tool name: the rule
// catalogFrom holds plugins to, offered to the rest of the host (the
// plugin scaffold) so that nothing else keeps a copy of it.
func CheckToolName(name string) error {
	if !toolName.MatchString(name) {
		return fmt.Errorf("tool name %q must match %s", name, toolName)
	}
	return nil
}

// Package sdktest runs a plugin in-process for unit tests.
//
// The harness speaks the real gRPC contract to the plugin (over a local
// socket, through go-plugin's broker), so what passes here passes in the
// host. What the host would provide (Billy, other tools, the user, the
// client's model) is faked by functions the test supplies; progress and log
// messages are recorded for assertions.
//
//	h := sdktest.New(t, myplugin.New())
//	res, err := h.CallTool(ctx, "greet", map[string]any{"name": "Ada"})
package sdktest

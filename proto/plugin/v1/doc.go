// Package pluginv1 is the versioned wire contract between the billy-mcp host
// and its plugins: the Plugin service every plugin serves, the HostServices
// service the host offers back over the go-plugin broker, and the handshake
// constants both sides share.
//
// plugin.pb.go and plugin_grpc.pb.go are generated from plugin.proto by
// `make proto`; do not edit them.
package pluginv1

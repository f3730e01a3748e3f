package pluginv1

// Handshake facts shared by the host and the sdk. The go-plugin handshake
// itself is built from these by each side, so this package needs no
// dependency on go-plugin.
const (
	// MagicCookieKey and MagicCookieValue make a plugin binary started by
	// hand print a friendly message instead of waiting for a handshake. They
	// are not a security measure.
	MagicCookieKey   = "BILLY_MCP_PLUGIN"
	MagicCookieValue = "7c1f0d8e3b2a4f6095d8c4e1a2b3f4d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b"

	// TransportVersion is the go-plugin protocol version: it changes only when
	// the gRPC service set changes incompatibly (a new proto package).
	TransportVersion = 1

	// PluginName is the key under which the Plugin service is dispensed.
	PluginName = "billy"

	// ProtocolVersion is the app-level contract version a plugin reports in
	// DescribeResponse. The host accepts plugins whose version is in
	// SupportedProtocolVersions.
	ProtocolVersion = 1
)

// SupportedProtocolVersions lists the app protocol versions this build of the
// host understands, newest first.
var SupportedProtocolVersions = []int32{1}

// HostFeatureTextFromStructured, in ConfigureRequest.host_features, says the
// host understands CallToolResponse.text_from_structured.
const HostFeatureTextFromStructured = "text_from_structured"

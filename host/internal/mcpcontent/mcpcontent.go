package mcpcontent

import (
	"encoding/base64"

	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/mark3labs/mcp-go/mcp"
)

// FromWire converts plugin content to MCP content.
func FromWire(c *pluginv1.Content) mcp.Content {
	switch k := c.GetKind().(type) {
	case *pluginv1.Content_Text:
		return mcp.NewTextContent(k.Text.GetText())
	case *pluginv1.Content_Image:
		return mcp.NewImageContent(base64.StdEncoding.EncodeToString(k.Image.GetData()), k.Image.GetMimeType())
	case *pluginv1.Content_Audio:
		return mcp.NewAudioContent(base64.StdEncoding.EncodeToString(k.Audio.GetData()), k.Audio.GetMimeType())
	case *pluginv1.Content_Resource:
		return mcp.NewEmbeddedResource(ResourceFromWire(k.Resource.GetContents()))
	case *pluginv1.Content_ResourceLink:
		l := k.ResourceLink
		return mcp.NewResourceLink(l.GetUri(), l.GetName(), l.GetDescription(), l.GetMimeType())
	}
	return mcp.NewTextContent("")
}

// ResourceFromWire converts resource contents (of a read or an embedded
// resource).
func ResourceFromWire(c *pluginv1.ResourceContents) mcp.ResourceContents {
	if b, ok := c.GetBody().(*pluginv1.ResourceContents_Blob); ok {
		return mcp.BlobResourceContents{URI: c.GetUri(), MIMEType: c.GetMimeType(), Blob: base64.StdEncoding.EncodeToString(b.Blob)}
	}
	return mcp.TextResourceContents{URI: c.GetUri(), MIMEType: c.GetMimeType(), Text: c.GetText()}
}

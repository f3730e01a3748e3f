package mcpcontent

import (
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
)

func TestFromWire(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0, 1, 2}
	tests := []struct {
		name string
		in   *pluginv1.Content
		want map[string]any
	}{
		{"text", &pluginv1.Content{Kind: &pluginv1.Content_Text{Text: &pluginv1.TextContent{Text: "Faktura 1001 er sendt"}}},
			map[string]any{"type": "text", "text": "Faktura 1001 er sendt"}},
		{"empty text", &pluginv1.Content{Kind: &pluginv1.Content_Text{Text: &pluginv1.TextContent{}}},
			map[string]any{"type": "text", "text": ""}},
		{"image", &pluginv1.Content{Kind: &pluginv1.Content_Image{Image: &pluginv1.ImageContent{Data: png, MimeType: "image/png"}}},
			map[string]any{"type": "image", "data": "iVBORwABAg==", "mimeType": "image/png"}},
		{"audio", &pluginv1.Content{Kind: &pluginv1.Content_Audio{Audio: &pluginv1.AudioContent{Data: []byte("RIFF"), MimeType: "audio/wav"}}},
			map[string]any{"type": "audio", "data": "UklGRg==", "mimeType": "audio/wav"}},
		{"embedded text resource", &pluginv1.Content{Kind: &pluginv1.Content_Resource{Resource: &pluginv1.EmbeddedResource{Contents: &pluginv1.ResourceContents{
			Uri: "billy://invoices/1001", MimeType: "application/json", Body: &pluginv1.ResourceContents_Text{Text: `{"id":"1001"}`}}}}},
			map[string]any{"type": "resource", "resource": map[string]any{"uri": "billy://invoices/1001", "mimeType": "application/json", "text": `{"id":"1001"}`}}},
		{"embedded blob resource", &pluginv1.Content{Kind: &pluginv1.Content_Resource{Resource: &pluginv1.EmbeddedResource{Contents: &pluginv1.ResourceContents{
			Uri: "billy://invoices/1001.pdf", MimeType: "application/pdf", Body: &pluginv1.ResourceContents_Blob{Blob: []byte("%PDF-1.7")}}}}},
			map[string]any{"type": "resource", "resource": map[string]any{"uri": "billy://invoices/1001.pdf", "mimeType": "application/pdf", "blob": "JVBERi0xLjc="}}},
		{"resource link", &pluginv1.Content{Kind: &pluginv1.Content_ResourceLink{ResourceLink: &pluginv1.ResourceLink{
			Uri: "https://billy.dk/pdf/1001", Name: "invoice-1001.pdf", Description: "The invoice as PDF", MimeType: "application/pdf"}}},
			map[string]any{"type": "resource_link", "uri": "https://billy.dk/pdf/1001", "name": "invoice-1001.pdf",
				"description": "The invoice as PDF", "mimeType": "application/pdf"}},
		{"no kind", &pluginv1.Content{}, map[string]any{"type": "text", "text": ""}},
		{"nil", nil, map[string]any{"type": "text", "text": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := testkit.AsJSON(t, FromWire(tt.in))
			if diff := cmp.Diff(any(tt.want), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

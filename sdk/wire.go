package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// panicOutput is where recovered panics are written with their stack.
var panicOutput = os.Stderr

// errorFromStatus decodes an error returned by a host service. A status with
// a ToolError detail becomes that *Error; anything else is the host being
// unreachable, which is worth retrying.
func errorFromStatus(err error) error {
	if e, ok := errmodel.FromStatus(err); ok {
		if e.Code == errmodel.CodeInputRequired {
			return ErrInputRequired // so that errors.Is works in handlers
		}
		return e
	}
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.FailedPrecondition:
		return ErrNotSupported
	case codes.Unimplemented:
		// Every RPC of the released contract is served by every host, so
		// this is a newer RPC reaching an older host.
		return ErrHostFeatureMissing
	}
	return &Error{Code: "host_unavailable", Category: CategoryUpstreamUnavailable, Retryable: true,
		Message: fmt.Sprintf("the host did not answer: %s", st.Message())}
}

// resultToWire encodes a result. When the host puts the text back
// (fromStructured), a first text item that only repeats the structured
// content is left out: typed tools' results are that, and it halves what
// crosses the wire.
func resultToWire(r *Result, fromStructured bool) (*pluginv1.CallToolResponse, error) {
	resp := &pluginv1.CallToolResponse{IsError: r.IsError}
	var structured []byte
	if r.Structured != nil {
		b, err := json.Marshal(r.Structured)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "encoding structured content: %v", err)
		}
		structured = b
		resp.StructuredContentJson = string(b)
	}
	content := r.Content
	if fromStructured && structured != nil && len(content) > 0 {
		if t, ok := content[0].(*TextContent); ok && t.Text == resp.StructuredContentJson {
			content, resp.TextFromStructured = content[1:], true
		}
	}
	for _, c := range content {
		wc, err := contentToWire(c)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		resp.Content = append(resp.Content, wc)
	}
	return resp, nil
}

func contentToWire(c Content) (*pluginv1.Content, error) {
	switch c := c.(type) {
	case *TextContent:
		return &pluginv1.Content{Kind: &pluginv1.Content_Text{Text: &pluginv1.TextContent{Text: c.Text}}}, nil
	case *ImageContent:
		return &pluginv1.Content{Kind: &pluginv1.Content_Image{Image: &pluginv1.ImageContent{Data: c.Data, MimeType: c.MIMEType}}}, nil
	case *AudioContent:
		return &pluginv1.Content{Kind: &pluginv1.Content_Audio{Audio: &pluginv1.AudioContent{Data: c.Data, MimeType: c.MIMEType}}}, nil
	case *EmbeddedResource:
		return &pluginv1.Content{Kind: &pluginv1.Content_Resource{Resource: &pluginv1.EmbeddedResource{
			Contents: resourceContentsToWire(c.Resource)}}}, nil
	case *ResourceLink:
		return &pluginv1.Content{Kind: &pluginv1.Content_ResourceLink{ResourceLink: &pluginv1.ResourceLink{
			Uri: c.URI, Name: c.Name, Description: c.Description, MimeType: c.MIMEType}}}, nil
	case nil:
		return nil, errors.New("nil content item")
	default:
		return nil, fmt.Errorf("unsupported content type %T", c)
	}
}

func contentFromWire(c *pluginv1.Content) Content {
	switch k := c.GetKind().(type) {
	case *pluginv1.Content_Text:
		return &TextContent{Text: k.Text.GetText()}
	case *pluginv1.Content_Image:
		return &ImageContent{Data: k.Image.GetData(), MIMEType: k.Image.GetMimeType()}
	case *pluginv1.Content_Audio:
		return &AudioContent{Data: k.Audio.GetData(), MIMEType: k.Audio.GetMimeType()}
	case *pluginv1.Content_Resource:
		return &EmbeddedResource{Resource: resourceContentsFromWire(k.Resource.GetContents())}
	case *pluginv1.Content_ResourceLink:
		l := k.ResourceLink
		return &ResourceLink{URI: l.GetUri(), Name: l.GetName(), Description: l.GetDescription(), MIMEType: l.GetMimeType()}
	}
	return &TextContent{}
}

func resourceContentsToWire(c ResourceContents) *pluginv1.ResourceContents {
	rc := &pluginv1.ResourceContents{Uri: c.URI, MimeType: c.MIMEType}
	if c.Blob != nil {
		rc.Body = &pluginv1.ResourceContents_Blob{Blob: c.Blob}
	} else {
		rc.Body = &pluginv1.ResourceContents_Text{Text: c.Text}
	}
	return rc
}

func resourceContentsFromWire(c *pluginv1.ResourceContents) ResourceContents {
	return ResourceContents{URI: c.GetUri(), MIMEType: c.GetMimeType(), Text: c.GetText(), Blob: c.GetBlob()}
}

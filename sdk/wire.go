package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// panicOutput is where recovered panics are written with their stack.
var panicOutput = os.Stderr

var categoryCodes = map[Category]codes.Code{
	CategoryValidation:          codes.InvalidArgument,
	CategoryNotFound:            codes.NotFound,
	CategoryConflict:            codes.FailedPrecondition,
	CategoryUnauthorized:        codes.Unauthenticated,
	CategoryForbidden:           codes.PermissionDenied,
	CategoryRateLimited:         codes.ResourceExhausted,
	CategoryUpstreamUnavailable: codes.Unavailable,
	CategoryInternal:            codes.Internal,
}

// toStatus encodes err as a gRPC status carrying a ToolError detail.
func toStatus(err error, fallback codes.Code) error {
	e := AsError(err)
	code, ok := categoryCodes[e.Category]
	if !ok {
		code = fallback
	}
	detail := &pluginv1.ToolError{
		Code: e.Code, Category: string(e.Category), Message: e.Message,
		Retryable: e.Retryable, UpstreamCode: e.UpstreamCode, RetryAfterSeconds: int32(e.RetryAfterSeconds),
	}
	for _, f := range e.Fields {
		detail.Fields = append(detail.Fields, &pluginv1.FieldViolation{Field: f.Field, Message: f.Message})
	}
	st, derr := status.New(code, e.Message).WithDetails(detail)
	if derr != nil {
		return status.Error(code, e.Message)
	}
	return st.Err()
}

// errorFromStatus decodes an error returned by a host service. A status with
// a ToolError detail becomes that *Error; anything else is the host being
// unreachable, which is worth retrying.
func errorFromStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	for _, d := range st.Details() {
		if te, ok := d.(*pluginv1.ToolError); ok {
			e := &Error{Code: te.Code, Category: Category(te.Category), Message: te.Message,
				Retryable: te.Retryable, UpstreamCode: te.UpstreamCode, RetryAfterSeconds: int(te.RetryAfterSeconds)}
			for _, f := range te.Fields {
				e.Fields = append(e.Fields, FieldError{Field: f.Field, Message: f.Message})
			}
			return e
		}
	}
	if st.Code() == codes.FailedPrecondition {
		return ErrNotSupported
	}
	return &Error{Code: "host_unavailable", Category: CategoryUpstreamUnavailable, Retryable: true,
		Message: fmt.Sprintf("the host did not answer: %s", st.Message())}
}

func resultToWire(r *Result) (*pluginv1.CallToolResponse, error) {
	resp := &pluginv1.CallToolResponse{IsError: r.IsError}
	for _, c := range r.Content {
		wc, err := contentToWire(c)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		resp.Content = append(resp.Content, wc)
	}
	if r.Structured != nil {
		b, err := json.Marshal(r.Structured)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "encoding structured content: %v", err)
		}
		resp.StructuredContentJson = string(b)
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

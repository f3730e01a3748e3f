package sdk

// Content is one item of a tool result or prompt message: *TextContent,
// *ImageContent, *AudioContent, *EmbeddedResource or *ResourceLink.
type Content interface{ isContent() }

// TextContent is plain text.
type TextContent struct{ Text string }

// ImageContent is an image; Data holds the raw bytes (not base64).
type ImageContent struct {
	Data     []byte
	MIMEType string
}

// AudioContent is audio; Data holds the raw bytes (not base64).
type AudioContent struct {
	Data     []byte
	MIMEType string
}

// EmbeddedResource carries a resource's contents inline.
type EmbeddedResource struct{ Resource ResourceContents }

// ResourceLink points at a resource the client can read later.
type ResourceLink struct {
	URI, Name, Description, MIMEType string
}

func (*TextContent) isContent()      {}
func (*ImageContent) isContent()     {}
func (*AudioContent) isContent()     {}
func (*EmbeddedResource) isContent() {}
func (*ResourceLink) isContent()     {}

// ResourceContents is the body of a resource: Text for text, Blob for binary.
type ResourceContents struct {
	URI      string
	MIMEType string
	Text     string
	Blob     []byte
}

// Result lets a handler shape its MCP result by hand. A tool whose output
// type is *Result declares no output schema; its Content is sent as given
// and Structured (if not nil) becomes structuredContent.
type Result struct {
	Content    []Content
	Structured any
	IsError    bool
}

// ContentAdder lets a typed tool output send extra content items (a
// resource link to a PDF, an image) along with its structured form, while
// the tool keeps its output schema. They follow the JSON text item.
type ContentAdder interface {
	AddedContent() []Content
}

// Text is a shorthand for a one-item text result.
func Text(s string) *Result { return &Result{Content: []Content{&TextContent{Text: s}}} }

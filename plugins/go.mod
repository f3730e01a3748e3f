module github.com/billy-mcp/billy-mcp/plugins

go 1.26.0

require github.com/billy-mcp/billy-mcp/proto v0.0.0

replace github.com/billy-mcp/billy-mcp/proto => ../proto

require github.com/billy-mcp/billy-mcp/sdk v0.0.0

require github.com/google/go-cmp v0.7.0 // indirect

replace github.com/billy-mcp/billy-mcp/sdk => ../sdk

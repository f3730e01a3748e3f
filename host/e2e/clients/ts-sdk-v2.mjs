// The official TypeScript SDK's v2 Client (@modelcontextprotocol/client),
// as an application that speaks MCP 2026-07-28 embeds it: the connection
// pinned to 2026-07-28 (server/discover, no initialize, no session; every
// request carries its protocol version and capabilities), no capabilities
// of its own, so destructive writes take the confirmation-token path.
//
// callTool is the SDK's own, which validates structuredContent against the
// tool's outputSchema and throws when it does not match; that throw is what
// users of this SDK see, so it is passed on as is.
import { load } from "./load.mjs";

export async function connect(spec) {
  const { Client, StreamableHTTPClientTransport } = await load(spec.nodeModules, "@modelcontextprotocol/client");
  const client = new Client(
    { name: "billy-mcp-matrix-ts-sdk-v2", version: "1.0.0" },
    { capabilities: {}, versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  let transport;
  if (spec.url) {
    transport = new StreamableHTTPClientTransport(new URL(spec.url));
  } else {
    const { StdioClientTransport } = await load(spec.nodeModules, "@modelcontextprotocol/client/stdio");
    transport = new StdioClientTransport({ command: spec.command, args: spec.args, env: spec.env, stderr: "inherit" });
  }
  await client.connect(transport);
  return {
    // Like the v1 SDK, it parses capabilities with a schema that drops keys
    // it does not know; null tells the matrix this check does not apply.
    capabilities: null,
    protocolVersion: client.getNegotiatedProtocolVersion() ?? "",
    async listTools() {
      const tools = [];
      let cursor;
      do {
        const page = await client.listTools(cursor ? { cursor } : {});
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return tools;
    },
    callTool: (name, args) => client.callTool({ name, arguments: args }),
    close: () => client.close(),
  };
}

// The official TypeScript SDK's Client (@modelcontextprotocol/sdk), as an
// application embeds it: Client + StreamableHTTPClientTransport or
// StdioClientTransport, no capabilities of its own (so destructive writes
// take the confirmation-token path, not elicitation).
//
// callTool is the SDK's own: it validates structuredContent against the
// tool's outputSchema (from the last listTools) and throws when it does not
// match. That throw is what users of this SDK see, so it is passed on as is.
import { load } from "./load.mjs";

export async function connect(spec) {
  const { Client } = await load(spec.nodeModules, "@modelcontextprotocol/sdk/client/index.js");
  const client = new Client({ name: "billy-mcp-matrix-ts-sdk", version: "1.0.0" }, { capabilities: {} });
  let transport;
  if (spec.url) {
    const { StreamableHTTPClientTransport } = await load(spec.nodeModules, "@modelcontextprotocol/sdk/client/streamableHttp.js");
    transport = new StreamableHTTPClientTransport(new URL(spec.url));
  } else {
    const { StdioClientTransport } = await load(spec.nodeModules, "@modelcontextprotocol/sdk/client/stdio.js");
    transport = new StdioClientTransport({ command: spec.command, args: spec.args, env: spec.env, stderr: "inherit" });
  }
  await client.connect(transport);
  return {
    // The SDK parses capabilities with a schema that drops keys it does not
    // know, so what it returns cannot show capabilities a server must not
    // declare; null tells the matrix this check does not apply here.
    capabilities: null,
    protocolVersion: transport.protocolVersion ?? "",
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

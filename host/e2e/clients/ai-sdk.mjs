// The Vercel AI SDK's MCP client (@ai-sdk/mcp): its own implementation of
// the protocol and transports, not a wrapper of @modelcontextprotocol/sdk.
// An AI SDK application gets tools from client.tools() and the model's calls
// run through each tool's execute; that is the path used here, so a tool the
// SDK refuses to convert (it drops some) fails its call.
import { load } from "./load.mjs";

export async function connect(spec) {
  const { createMCPClient } = await load(spec.nodeModules, "@ai-sdk/mcp");
  let transport;
  if (spec.url) {
    transport = { type: "http", url: spec.url };
  } else {
    const { StdioMCPTransport } = await load(spec.nodeModules, "@ai-sdk/mcp/mcp-stdio");
    transport = new StdioMCPTransport({ command: spec.command, args: spec.args, env: spec.env, stderr: "inherit" });
  }
  let uncaught;
  const client = await createMCPClient({
    transport,
    name: "billy-mcp-matrix-ai-sdk",
    onUncaughtError: (err) => {
      uncaught = err;
    },
  });
  const toolSet = await client.tools();
  // An error the client raised outside a request (a bad message, a broken
  // stream) is reported with the next answer instead of being lost.
  const check = () => {
    if (uncaught) {
      const err = uncaught;
      uncaught = undefined;
      throw err;
    }
  };
  return {
    // The AI SDK keeps unknown capability keys, so this shows what the
    // server really declared.
    capabilities: client.initializeResult?.capabilities ?? null,
    protocolVersion: client.initializeResult?.protocolVersion ?? "",
    async listTools() {
      const tools = [];
      let cursor;
      do {
        const page = await client.listTools(cursor ? { params: { cursor } } : {});
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      check();
      return tools;
    },
    async callTool(name, args) {
      const tool = toolSet[name];
      if (!tool) {
        throw new Error(`the AI SDK's tools() has no tool ${name} (it lists ${Object.keys(toolSet).length} tools)`);
      }
      const result = await tool.execute(args, { toolCallId: `matrix-${name}`, messages: [] });
      check();
      return result;
    },
    close: () => client.close(),
  };
}

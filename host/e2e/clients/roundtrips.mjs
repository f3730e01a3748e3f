// roundtrips.mjs runs the official TypeScript SDK's 2026-07-28 client
// (@modelcontextprotocol/client, the SDK's v2 line) against billy-mcp for
// host/e2e/roundtrips_test.go, which owns every assertion: this script
// connects pinned to 2026-07-28, declares elicitation, sampling and roots
// with handlers that answer as a user, a model and a workspace would, makes
// the calls it is given and reports what came back and what it was asked.
// The client fulfils input_required results itself (its multi round-trip
// driver) through the same handlers.
//
//   node roundtrips.mjs '<spec JSON>'
//
// spec: {"nodeModules": DIR, "url": "http://…/mcp",
//        "calls": [{"tool": N, "arguments": A} | {"prompt": N, "arguments": A}]}
// out (one JSON line): {"protocolVersion": "…",
//        "results": [{"result": {...}} | {"error": "message"}],
//        "asked": [{"method": M, "message"?: S}]}
import { load } from "./load.mjs";

const spec = JSON.parse(process.argv[2] ?? "{}");

// answerFor fills a form: names are Alice, colours blue, yes/no fields yes.
function answerFor(schema) {
  const content = {};
  for (const [field, prop] of Object.entries(schema?.properties ?? {})) {
    if (prop.type === "boolean") content[field] = true;
    else if (field === "color") content[field] = "blue";
    else content[field] = "Alice";
  }
  return content;
}

async function main() {
  const { Client, StreamableHTTPClientTransport } = await load(spec.nodeModules, "@modelcontextprotocol/client");
  const client = new Client(
    { name: "billy-mcp-e2e-roundtrips", version: "1.0.0" },
    {
      capabilities: { elicitation: {}, sampling: {}, roots: {} },
      versionNegotiation: { mode: { pin: "2026-07-28" } },
    },
  );
  const asked = [];
  client.setRequestHandler("elicitation/create", async (request) => {
    asked.push({ method: "elicitation/create", message: request.params.message });
    return { action: "accept", content: answerFor(request.params.requestedSchema) };
  });
  client.setRequestHandler("sampling/createMessage", async (request) => {
    const last = request.params.messages.at(-1);
    asked.push({ method: "sampling/createMessage", message: last?.content?.text });
    return { model: "e2e-model", role: "assistant", content: { type: "text", text: "Paris" } };
  });
  client.setRequestHandler("roots/list", async () => {
    asked.push({ method: "roots/list" });
    return { roots: [{ uri: "file:///srv/bilag", name: "bilag" }] };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(spec.url)));
  const results = [];
  for (const call of spec.calls ?? []) {
    try {
      const result = call.tool
        ? await client.callTool({ name: call.tool, arguments: call.arguments ?? {} })
        : await client.getPrompt({ name: call.prompt, arguments: call.arguments ?? {} });
      results.push({ result });
    } catch (err) {
      results.push({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  }
  const protocolVersion = client.getNegotiatedProtocolVersion() ?? "";
  await client.close();
  process.stdout.write(JSON.stringify({ protocolVersion, results, asked }) + "\n");
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ fatal: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }) + "\n");
  process.exit(1);
});

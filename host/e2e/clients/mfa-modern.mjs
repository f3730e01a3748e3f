// mfa-modern.mjs runs the official TypeScript SDK's 2026-07-28 client
// (@modelcontextprotocol/client) declaring URL-mode elicitation against
// billy-mcp for host/e2e/mfa_mcp_test.go, which owns every assertion and
// plays the user: on the approval page, and in this client's URL
// elicitation prompt. The client's multi round-trip driver hands the host's
// URL elicitation to the elicitation/create handler below, which reports it
// and answers what the test writes on stdin (one line: accept, decline or
// cancel), as a user who opened the page (or refused to) would; the driver
// then repeats the call with that answer and the request state.
//
//   node mfa-modern.mjs '<spec JSON>'
//
// spec: {"nodeModules": DIR, "url": "http://…/mcp", "headers": {…},
//        "tool": N, "arguments": A, "calls": 2}
// out: one JSON line per event: {"step":"elicitation","params":{…}} for
// each URL elicitation, {"step":"result","result":{…}} | {"step":"result",
// "error":"…"} for each call, or {"step":"fatal","fatal":"…"}.
import { createInterface } from "node:readline";
import { load } from "./load.mjs";

const spec = JSON.parse(process.argv[2] ?? "{}");
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");

// answers yields the test's stdin lines, one per call.
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function main() {
  const { Client, StreamableHTTPClientTransport } = await load(spec.nodeModules, "@modelcontextprotocol/client");
  const client = new Client(
    { name: "billy-mcp-e2e-mfa-modern", version: "1.0.0" },
    { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  client.setRequestHandler("elicitation/create", async (request) => {
    say({ step: "elicitation", params: request.params });
    const { value, done } = await lines.next();
    return { action: done ? "cancel" : value.trim() };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers: spec.headers ?? {} } }));
  for (let i = 0; i < (spec.calls ?? 1); i++) {
    try {
      say({ step: "result", result: await client.callTool({ name: spec.tool, arguments: spec.arguments ?? {} }) });
    } catch (err) {
      say({ step: "result", error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  }
  say({ step: "protocol", version: client.getNegotiatedProtocolVersion() ?? "" });
  await client.close();
  process.exit(0);
}

main().catch((err) => {
  say({ step: "fatal", fatal: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  process.exit(1);
});

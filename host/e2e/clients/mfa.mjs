// mfa.mjs runs the official TypeScript SDK's Client (@modelcontextprotocol/sdk)
// declaring URL-mode elicitation against billy-mcp for host/e2e/mfa_mcp_test.go,
// which owns every assertion and plays the user on the approval page. The
// script makes one call that needs an MFA approval; when it gets the
// URLElicitationRequiredError (-32042) it reports the elicitation, waits for
// notifications/elicitation/complete of that elicitationId (as the SDK's own
// URL elicitation example does), then retries the call, and retries once more.
//
//   node mfa.mjs '<spec JSON>'
//
// spec: {"nodeModules": DIR, "url": "http://…/mcp", "headers": {…},
//        "tool": N, "arguments": A, "waitMs": 30000}
// out: one JSON line per step, in order:
//   {"step":"first", "elicitations":[…], "code":-32042, "message":…} | {"step":"first","result":…}
//   {"step":"completed", "notified": true|false}
//   {"step":"retry", "result": …} and {"step":"again", …}
// or {"step":"fatal", "fatal": "…"}.
import { load } from "./load.mjs";

const spec = JSON.parse(process.argv[2] ?? "{}");
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");

async function main() {
  const { Client } = await load(spec.nodeModules, "@modelcontextprotocol/sdk/client/index.js");
  const { StreamableHTTPClientTransport } = await load(spec.nodeModules, "@modelcontextprotocol/sdk/client/streamableHttp.js");
  const { UrlElicitationRequiredError, ElicitationCompleteNotificationSchema } = await load(
    spec.nodeModules,
    "@modelcontextprotocol/sdk/types.js",
  );
  const client = new Client({ name: "billy-mcp-e2e-mfa", version: "1.0.0" }, { capabilities: { elicitation: { url: {} } } });
  // Completions that came before anyone waited are kept (the page may be
  // quicker than this script).
  const completed = new Set();
  const waiting = new Map();
  client.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => {
    const id = n.params.elicitationId;
    completed.add(id);
    waiting.get(id)?.();
  });
  const completion = (id) =>
    completed.has(id)
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const timer = setTimeout(() => resolve(false), spec.waitMs ?? 30000);
          waiting.set(id, () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
  const transport = new StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers: spec.headers ?? {} } });
  await client.connect(transport);
  const call = async () => {
    try {
      return { result: await client.callTool({ name: spec.tool, arguments: spec.arguments ?? {} }) };
    } catch (e) {
      if (e instanceof UrlElicitationRequiredError) {
        return { elicitations: e.elicitations, code: e.code, message: e.message };
      }
      return { error: String(e) };
    }
  };
  const first = await call();
  say({ step: "first", ...first });
  if (first.elicitations?.length) {
    say({ step: "completed", notified: await completion(first.elicitations[0].elicitationId) });
    say({ step: "retry", ...(await call()) });
    say({ step: "again", ...(await call()) });
  }
  await client.close();
}

main().catch((e) => {
  say({ step: "fatal", fatal: String(e?.stack ?? e) });
  process.exitCode = 1;
});

// The official TypeScript SDK's OAuth client (@modelcontextprotocol/sdk's
// OAuthClientProvider with StreamableHTTPClientTransport) against a host
// whose own authorization server (auth.server) is on: what an application
// embedding the SDK does, with this script as its browser.
//
// node oauth-provider.mjs SPEC, SPEC a JSON object:
//   nodeModules   the pinned tools' node_modules (load.mjs)
//   url           the host's MCP endpoint
//   redirect      the loopback redirect URI this script listens on
//   clientMetadataUrl  set: the client's ID is this https URL (a client ID
//                 metadata document); unset: dynamic registration
//   user, password, scope  what the "browser" signs in and consents with
//   tool          a tool to call after tools/list
//
// It connects (401), lets the SDK discover the authorization server and
// register (or use the metadata URL), plays the browser through the
// host's login and consent pages, catches the code at its loopback
// redirect URI, finishes the authorization, lists tools, calls one,
// refreshes the token through the SDK and calls again. It prints one JSON
// object to stdout with what happened; the Go test checks it and the
// host's side.
import { createServer } from "node:http";
import { load } from "./load.mjs";

const spec = JSON.parse(process.argv[2]);
const sdk = (p) => load(spec.nodeModules, `@modelcontextprotocol/sdk/${p}`);
const { Client } = await sdk("client/index.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");
const { auth, UnauthorizedError } = await sdk("client/auth.js");

// provider keeps what the SDK hands it in memory, as an application keeps
// it in its own storage, and remembers where it was sent to sign in.
class Provider {
  constructor() {
    this.saved = {};
    this.authorizationUrl = undefined;
    this.clientMetadataUrl = spec.clientMetadataUrl;
  }
  get redirectUrl() {
    return spec.redirect;
  }
  get clientMetadata() {
    return {
      client_name: "e2e oauth-provider",
      redirect_uris: [spec.redirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() {
    return "st-" + Math.random().toString(36).slice(2);
  }
  clientInformation() {
    return this.saved.client;
  }
  saveClientInformation(info) {
    this.saved.client = info;
  }
  tokens() {
    return this.saved.tokens;
  }
  saveTokens(tokens) {
    this.saved.tokens = tokens;
  }
  redirectToAuthorization(url) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v) {
    this.saved.verifier = v;
  }
  codeVerifier() {
    return this.saved.verifier;
  }
}

// listen serves the redirect URI and resolves with the query the
// authorization server sent the browser back with.
function listen(redirect) {
  const u = new URL(redirect);
  let deliver;
  const got = new Promise((resolve) => (deliver = resolve));
  const server = createServer((req, res) => {
    const q = new URL(req.url, redirect).searchParams;
    if (new URL(req.url, redirect).pathname !== u.pathname) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain" }).end("You can close this window.");
    deliver(Object.fromEntries(q));
  });
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(Number(u.port), u.hostname, () => resolve({ got, close: () => server.close() }));
  });
}

// browse plays the user's browser: from the authorization URL through the
// login and consent forms (their CSRF fields, the cookie binding them) to
// the redirect URI, which it visits as a browser would.
async function browse(start) {
  const jar = new Map();
  const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const step = async (method, url, form, want) => {
    const res = await fetch(url, {
      method,
      redirect: "manual",
      headers: { Cookie: cookies(), ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(";");
      const i = kv.indexOf("=");
      jar.set(kv.slice(0, i), kv.slice(i + 1));
    }
    const body = await res.text();
    if (res.status !== want) {
      throw new Error(`${method} ${url}: ${res.status}, want ${want}: ${body.slice(0, 500)}`);
    }
    const location = res.headers.get("location");
    return { body, next: location ? new URL(location, url).href : undefined };
  };
  const fields = (body) => {
    const f = {};
    for (const m of body.matchAll(/name="(id|csrf)" value="([^"]+)"/g)) f[m[1]] = m[2];
    if (!f.id || !f.csrf) throw new Error("no form in " + body.slice(0, 500));
    return f;
  };
  let r = await step("GET", start, null, 302);
  const loginPage = await step("GET", r.next, null, 200);
  r = await step("POST", new URL("/oauth/login", start).href,
    { ...fields(loginPage.body), username: spec.user, password: spec.password }, 303);
  const consentPage = await step("GET", r.next, null, 200);
  r = await step("POST", new URL("/oauth/consent", start).href,
    { ...fields(consentPage.body), action: "allow", scope: spec.scope }, 303);
  r = await step("GET", r.next, null, 302);
  // The redirect to the application, delivered as the browser would.
  await step("GET", r.next, null, 200);
  return { consentPage: consentPage.body, loginPage: loginPage.body };
}

const out = {};
const provider = new Provider();
const callback = await listen(spec.redirect);
try {
  const url = new URL(spec.url);
  let transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  let client = new Client({ name: "e2e-oauth-provider", version: "1.0.0" }, { capabilities: {} });
  try {
    await client.connect(transport);
    throw new Error("connected without signing in");
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
  }
  if (!provider.authorizationUrl) throw new Error("the SDK did not send the user to sign in");
  const a = provider.authorizationUrl;
  out.authorization = Object.fromEntries(a.searchParams);
  out.clientId = provider.saved.client?.client_id;
  const pages = await browse(a.href);
  out.consentNamesClient = pages.consentPage.includes("e2e oauth-provider");
  const back = await callback.got;
  out.callback = { iss: back.iss, state: back.state === a.searchParams.get("state"), code: !!back.code };
  await transport.finishAuth(back.code);
  out.tokenType = provider.saved.tokens?.token_type;
  out.refreshToken = !!provider.saved.tokens?.refresh_token;

  transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  client = new Client({ name: "e2e-oauth-provider", version: "1.0.0" }, { capabilities: {} });
  await client.connect(transport);
  out.tools = (await client.listTools()).tools.map((t) => t.name).sort();
  const call = async () => {
    const r = await client.callTool({ name: spec.tool, arguments: {} });
    return { isError: !!r.isError, text: r.content?.map((c) => c.text ?? "").join("") };
  };
  out.call = await call();

  // A refresh through the SDK: with a refresh token saved, auth() trades
  // it for new tokens rather than sending the user to sign in again.
  const before = provider.saved.tokens;
  provider.authorizationUrl = undefined;
  out.refresh = await auth(provider, { serverUrl: url });
  out.refreshed = provider.saved.tokens.access_token !== before.access_token &&
    provider.saved.tokens.refresh_token !== before.refresh_token && !provider.authorizationUrl;
  out.callAfterRefresh = await call();
  await client.close();
} catch (e) {
  out.error = String(e?.stack ?? e);
} finally {
  callback.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(out.error ? 1 : 0);

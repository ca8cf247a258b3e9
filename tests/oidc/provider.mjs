// A real OpenID Connect provider for the test suite (oidc-provider, development interactions).
//
// Started by tests/support/oidc.py. Environment:
//   PORT           port on 127.0.0.1; 0 (the default) lets the OS pick one, which the ready line reports
//   CLIENT_ID      the one static client's id
//   CLIENT_SECRET  its secret (the client authenticates with client_secret_basic, Authlib's default)
//   REDIRECT_URI   the client's redirect URI; several may be given, comma-separated
//   ID_TOKEN_CLAIMS   "1": email and name in the ID token too (see below)
//   STOP_ON_STDIN_EOF "1": exit when stdin closes (the fixture's guard against orphans)
//
// When it is listening it prints one line to stdout: "listening http://127.0.0.1:PORT" (the issuer).
// Any login id signs in (the id becomes `sub`); any password is accepted. An id starting with
// "unverified-" gets email_verified=false. Keys and cookie secrets are fresh on every start.
//
// The provider is spec-conformant about claims (`conformIdTokenClaims`, its default): for the
// code flow the ID token carries only sub (and the protocol claims); email and name come from
// the userinfo endpoint. Set ID_TOKEN_CLAIMS=1 to put them in the ID token too, as many real
// providers do.
import { randomBytes, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";

import Provider from "oidc-provider";

const required = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.mjs: ${name} is required`);
    process.exit(2);
  }
  return value;
};

const clientId = required("CLIENT_ID");
const clientSecret = required("CLIENT_SECRET");
const redirectUris = required("REDIRECT_URI").split(",").map((uri) => uri.trim()).filter(Boolean);
const port = Number(process.env.PORT || 0);
const idTokenClaims = process.env.ID_TOKEN_CLAIMS === "1";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), use: "sig", alg: "RS256" };

// Listen first: with PORT=0 the issuer (which embeds the port) is only known afterwards.
const server = createServer();
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(port, "127.0.0.1", resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      // "web" (the default) accepts http:// redirect URIs for the code flow; only implicit
      // clients are held to https. "native" would also work but only on loopback hosts.
      application_type: "web",
    },
  ],
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@example.test`,
          email_verified: !id.startsWith("unverified-"),
          name: `Test ${id}`,
        };
      },
    };
  },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  conformIdTokenClaims: !idTokenClaims,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString("base64url")] },
  features: { devInteractions: { enabled: true } },
  // A confidential client need not use PKCE in oidc-provider's default policy; here every
  // authorization request must carry an S256 challenge, so the tests prove the client sends one.
  pkce: { required: () => true },
  // No browser JavaScript talks to this provider cross-origin.
  clientBasedCORS: () => false,
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
});

// static clients are validated on first use; fail here, with the reason, instead of at sign-in
try {
  await provider.Client.find(clientId);
} catch (error) {
  console.error(`provider.mjs: the client is invalid: ${error.message} ${error.error_description ?? ""}`);
  process.exit(1);
}

server.on("request", provider.callback());
console.log(`listening ${issuer}`);

const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
if (process.env.STOP_ON_STDIN_EOF === "1") {
  // the test process holds our stdin open; when it goes away (even killed), so do we
  process.stdin.on("end", stop).on("error", stop).resume();
}

// A real OpenID Connect provider (oidc-provider 9) for the tests, on 127.0.0.1 only.
//
//   node tests/oidc/provider.mjs            settings come from the environment:
//   PORT                    the port to listen on
//   CLIENT_SECRET           the secret every test client shares
//   REDIRECT_URIS           comma-separated callback URLs the clients may use
//   POST_LOGOUT_URIS        comma-separated URLs to return to after signing out
//
// Its sign-in page is a plain form: the person types an email address and a name, says
// whether the address is verified and which authentication methods (amr) to assert, and
// signs in. The account's subject is the email address unless a subject is given.
//
// Besides the client `portal`, three clients misbehave on purpose, so the portal's checks of
// the ID token meet the real thing: `portal-tampered` gets an ID token whose payload was
// changed after signing, `portal-expired` one that expired an hour ago, and
// `portal-wrong-audience` one addressed to another client; the last two are signed with the
// provider's own key, so only the claim is wrong.

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { URLSearchParams } from 'node:url';

import { Provider } from 'oidc-provider';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from 'jose';

const port = Number(process.env.PORT);
const secret = process.env.CLIENT_SECRET || 'portal-test-secret';
const redirectUris = (process.env.REDIRECT_URIS || '').split(',').filter(Boolean);
const postLogoutUris = (process.env.POST_LOGOUT_URIS || '').split(',').filter(Boolean);
if (!port || redirectUris.length === 0) {
  console.error('PORT and REDIRECT_URIS are required');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };
const signingKey = await importJWK(signingJwk, 'RS256');

// accountId -> { email, email_verified, name }
const accounts = new Map();

const clientIds = ['portal', 'portal-tampered', 'portal-expired', 'portal-wrong-audience'];

const provider = new Provider(issuer, {
  clients: clientIds.map((clientId) => ({
    client_id: clientId,
    client_secret: secret,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogoutUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['test-only-cookie-key'] },
  pkce: { required: () => true },
  // amr and acr ride with the openid scope, so every ID token says how the person signed in
  // (as most providers do; oidc-provider would otherwise add them only when asked by name).
  claims: {
    acr: null,
    amr: null,
    auth_time: null,
    iss: null,
    sid: null,
    openid: ['sub', 'acr', 'amr'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // The portal is a first-party client: no consent page, every requested scope is granted.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  async findAccount(ctx, sub) {
    const account = accounts.get(sub);
    if (!account) {
      return undefined;
    }
    return {
      accountId: sub,
      async claims() {
        return { sub, ...account };
      },
    };
  },
  ttl: {
    IdToken: 3600,
    AccessToken: 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
});

// The misbehaving clients: change the ID token on its way out of the token endpoint.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !ctx.body?.id_token) {
    return;
  }
  const token = ctx.body.id_token;
  const claims = decodeJwt(token);
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud === 'portal-tampered') {
    const [header, , signature] = token.split('.');
    const changed = Buffer.from(JSON.stringify({ ...claims, sub: `${claims.sub}-changed` }))
      .toString('base64url');
    ctx.body = { ...ctx.body, id_token: `${header}.${changed}.${signature}` };
  } else if (claims.aud === 'portal-expired') {
    ctx.body = { ...ctx.body, id_token: await resign({ ...claims, iat: now - 7200, exp: now - 3600 }) };
  } else if (claims.aud === 'portal-wrong-audience') {
    ctx.body = { ...ctx.body, id_token: await resign({ ...claims, aud: 'another-client', azp: undefined }) };
  }

  async function resign(payload) {
    const header = decodeProtectedHeader(token);
    return new SignJWT(payload).setProtectedHeader(header).sign(signingKey);
  }
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, clientId) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Test identity provider: sign in</title></head>
<body>
<main>
<h1>Test identity provider</h1>
<p>Signing in to ${escape(clientId)}.</p>
<form method="post" action="/interaction/${escape(uid)}/login">
  <p><label for="email">Email</label> <input id="email" name="email" type="email" required></p>
  <p><label for="name">Name</label> <input id="name" name="name"></p>
  <p><label for="subject">Subject</label> <input id="subject" name="subject"></p>
  <p><label for="verified">Email verified</label>
    <select id="verified" name="email_verified"><option value="true">yes</option><option value="false">no</option></select></p>
  <p><label for="amr">Authentication methods (amr)</label> <input id="amr" name="amr" value="pwd"></p>
  <p><label for="acr">Authentication context (acr)</label> <input id="acr" name="acr"></p>
  <p><button type="submit">Sign in to the test provider</button></p>
</form>
</main>
</body>
</html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) {
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

const handler = provider.callback();

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    const login = url.pathname.match(/^\/interaction\/([\w-]+)\/login$/);
    const show = url.pathname.match(/^\/interaction\/([\w-]+)$/);
    if (show && req.method === 'GET') {
      const details = await provider.interactionDetails(req, res);
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(loginPage(details.uid, details.params.client_id));
      return;
    }
    if (login && req.method === 'POST') {
      const form = await readForm(req);
      const email = form.get('email') || '';
      const accountId = form.get('subject') || `sub-${email}` || randomUUID();
      accounts.set(accountId, {
        email,
        email_verified: form.get('email_verified') === 'true',
        name: form.get('name') || undefined,
      });
      const amr = (form.get('amr') || '').split(/[\s,]+/).filter(Boolean);
      await provider.interactionFinished(req, res, {
        login: {
          accountId,
          amr: amr.length ? amr : undefined,
          acr: form.get('acr') || undefined,
          remember: false,
        },
      }, { mergeWithLastSubmission: false });
      return;
    }
    handler(req, res);
  } catch (error) {
    res.statusCode = 400;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(`test provider error: ${error.message}`);
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`test identity provider listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}

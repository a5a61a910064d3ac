// A real OpenID provider (panva's certified oidc-provider) for the single sign-on tests, on loopback.
// Configured from the environment:
//   OIDC_PORT         port to listen on (127.0.0.1)
//   OIDC_CLIENTS      JSON array of clients: [{client_id, client_secret, redirect_uris}]
//   OIDC_ACCOUNTS     JSON object: login name -> claims ({email, email_verified, name, groups, ...})
//   OIDC_KEYS_FILE    a JSON file with the signing keys (a private JWK set); written with a new
//                     RSA key if missing, so two instances can share keys or have different ones
//   OIDC_KID          the key id to give a new key (default "k1")
//   OIDC_ID_TOKEN_TTL seconds an ID token is valid (default 3600)
// Prints "listening <issuer>" once it accepts connections. The login form is the provider's own
// development interaction (any password is accepted for a known login name).
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 0);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]').map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  post_logout_redirect_uris: [],
  ...c,
}));
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

function keys() {
  const file = process.env.OIDC_KEYS_FILE;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: process.env.OIDC_KID || 'k1', alg: 'RS256', use: 'sig' };
  const set = { keys: [jwk] };
  if (file) writeFileSync(file, JSON.stringify(set));
  return set;
}

const provider = new Provider(issuer, {
  clients,
  jwks: keys(),
  cookies: { keys: ['deepdive-test-cookie-key'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified', 'xms_edov'],
    profile: ['name', 'groups', 'tid', 'manager_email'],
  },
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  ttl: { IdToken: Number(process.env.OIDC_ID_TOKEN_TTL || 3600) },
  async findAccount(_ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.proxy = false;
if (process.env.DEEPDIVE_OIDC_DEBUG) {
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
}

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

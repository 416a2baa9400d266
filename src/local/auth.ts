// Credentials of the local HopX: an API key of the documented format for the Control Plane (one
// per start, or the one given), and for each sandbox's agent a JWT signed with a secret of this
// instance only, with a real expiry. Keys and tokens are compared in constant time and never echoed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `hopx_live_<12 alphanumerics>.<secret>`, as the platform issues them. */
export function newApiKey(): string {
  const id = [...randomBytes(12)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
  return `hopx_live_${id}.${randomBytes(24).toString('base64url')}`;
}

export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The API key a Control Plane request carries: `X-API-Key`, or `Authorization: Bearer`. */
export function apiKeyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const key = headers['x-api-key'];
  if (typeof key === 'string') return key;
  return bearerOf(headers);
}

export function bearerOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  const match = typeof auth === 'string' ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  return match?.[1];
}

export interface TokenClaims {
  sub: string;
  exp: number;
  iat: number;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; code: 'TOKEN_EXPIRED' | 'TOKEN_INVALID'; reason: string };

/** Signs and checks the sandboxes' agent tokens (HS256, a secret per instance). */
export class TokenIssuer {
  private readonly secret = randomBytes(32);

  constructor(private readonly lifetimeSeconds: number) {}

  issue(sandboxId: string, now = Date.now()): { token: string; expiresAt: Date } {
    const iat = Math.floor(now / 1000);
    const exp = iat + this.lifetimeSeconds;
    const header = encode({ alg: 'HS256', typ: 'JWT' });
    const payload = encode({ sub: sandboxId, iss: 'hopx-local', iat, exp, jti: randomBytes(8).toString('hex') });
    return { token: `${header}.${payload}.${this.sign(`${header}.${payload}`)}`, expiresAt: new Date(exp * 1000) };
  }

  check(token: string | undefined, now = Date.now()): TokenCheck {
    if (!token)
      return { ok: false, code: 'TOKEN_INVALID', reason: 'no sandbox token (Authorization: Bearer <auth_token>)' };
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature || !sameSecret(signature, this.sign(`${header}.${payload}`))) {
      return { ok: false, code: 'TOKEN_INVALID', reason: 'the sandbox token is not one this local HopX issued' };
    }
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    if (claims.exp * 1000 <= now)
      return { ok: false, code: 'TOKEN_EXPIRED', reason: 'the sandbox token has expired; refresh it' };
    return { ok: true, claims };
  }

  private sign(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('base64url');
  }
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

// Keeps one sandbox's agent token fresh: renews it shortly before `token_expires_at`, and again when
// the agent answers 401. Concurrent callers share one refresh instead of each starting their own.

export interface TokenGrant {
  token: string;
  /** Epoch ms; undefined when the server did not say. */
  expiresAt: number | undefined;
}

export class SandboxToken {
  private grant: TokenGrant | undefined;
  private readonly seen = new Set<string>();
  private pending: Promise<TokenGrant> | undefined;

  constructor(
    initial: TokenGrant | undefined,
    private readonly refresh: () => Promise<TokenGrant>,
    private readonly marginMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.grant = initial;
    if (initial) this.seen.add(initial.token);
  }

  /** The token to send now, renewed first if it is missing or about to expire. */
  async current(): Promise<string> {
    const grant = this.grant;
    if (grant && (grant.expiresAt === undefined || grant.expiresAt - this.now() > this.marginMs)) return grant.token;
    return (await this.renew()).token;
  }

  /** After a 401 sent with `rejected`: renew, unless someone already did since. */
  async renewAfterRejection(rejected: string | undefined): Promise<boolean> {
    if (this.grant && rejected !== undefined && this.grant.token !== rejected) return true;
    await this.renew();
    return true;
  }

  /** Every token this object has held, for redaction. */
  known(): string[] {
    return [...this.seen];
  }

  private renew(): Promise<TokenGrant> {
    this.pending ??= this.refresh()
      .then((fresh) => {
        // A fresh token that already looks expired means our clock is off (or the server's is):
        // keep using it until the agent says otherwise, instead of renewing before every call.
        const grant =
          fresh.expiresAt !== undefined && fresh.expiresAt - this.now() <= this.marginMs
            ? { token: fresh.token, expiresAt: undefined }
            : fresh;
        this.grant = grant;
        this.seen.add(grant.token);
        return grant;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}

export function grantFrom(token: string | undefined, expiresAt: string | undefined | null): TokenGrant | undefined {
  if (!token) return undefined;
  const parsed = expiresAt ? Date.parse(expiresAt) : Number.NaN;
  return { token, expiresAt: Number.isNaN(parsed) ? undefined : parsed };
}

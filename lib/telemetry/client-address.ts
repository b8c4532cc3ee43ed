/** What the module reads of a request to name its client's address (Express, Fastify and plain Node requests). */
export interface AddressedRequest {
  /** Express and Fastify: the client's address, honouring the app's `trust proxy` setting. */
  readonly ip?: unknown;
  readonly socket?: { readonly remoteAddress?: string } | null;
}

/**
 * The client's address: `req.ip` (Express and Fastify derive it from `X-Forwarded-For` only when the app trusts its
 * proxy), else the socket's peer address. An IPv4-mapped IPv6 address is given as IPv4. `undefined` when unknown.
 */
export function clientAddress(req: AddressedRequest): string | undefined {
  const ip = typeof req.ip === 'string' && req.ip !== '' ? req.ip : req.socket?.remoteAddress;
  if (ip === undefined) return undefined;
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * The unit an address is limited as: an IPv4 address itself; an IPv6 address as its /64 prefix — one host
 * commonly holds a whole /64, so per-address limits on full IPv6 addresses would be trivial to dodge.
 */
export function addressKey(address: string): string {
  if (!address.includes(':')) return address;
  const [head, tail] = address.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

// Which requests are gateway-routed: a request URL against the host's
// `caracal:agent/outbound.routed-prefixes`. Pure: no WIT imports, so it runs
// under Node for tests.
//
// The rule mirrors the host's resource-binding match (and the Rust SDK's
// `transport::route`): scheme and host compared case-insensitively (one
// trailing dot of a name ignored, IP addresses compared as addresses),
// default ports made explicit, and the prefix path a prefix of the request
// path on a segment boundary. Query strings and fragments play no part. A
// URL with user info or a `.`/`..` segment (also percent-encoded) matches
// nothing, as on the host.
//
// `caracal.fetch` matches the URL as the WHATWG parser wrote it (`url.href`),
// which is also the URL it sends: what was matched is what goes out.

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function parseHost(text) {
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) return undefined;
    try {
      // The WHATWG parser writes an IPv6 literal in its canonical form.
      return `ip6:${new URL(`http://${text}/`).hostname}`;
    } catch {
      return undefined;
    }
  }
  if (IPV4.test(text)) return `ip4:${text}`;
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  return name ? `name:${name.toLowerCase()}` : undefined;
}

function splitAuthority(authority) {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) return undefined;
    const host = authority.slice(0, end + 1);
    const rest = authority.slice(end + 1);
    if (rest === '') return [host, undefined];
    if (!rest.startsWith(':')) return undefined;
    return [host, rest.slice(1)];
  }
  const colon = authority.indexOf(':');
  return colon < 0 ? [authority, undefined] : [authority.slice(0, colon), authority.slice(colon + 1)];
}

/** Splits an absolute http(s) URL: {origin, path, query}; undefined otherwise. */
export function parse(url) {
  const sep = url.indexOf('://');
  if (sep < 0) return undefined;
  const scheme = url.slice(0, sep).toLowerCase();
  const defaultPort = scheme === 'http' ? 80 : scheme === 'https' ? 443 : undefined;
  if (defaultPort === undefined) return undefined;
  let rest = url.slice(sep + 3);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  let end = rest.search(/[/?]/);
  if (end < 0) end = rest.length;
  const authority = rest.slice(0, end);
  const tail = rest.slice(end);
  if (authority.includes('@')) return undefined;
  const split = splitAuthority(authority);
  if (!split) return undefined;
  const [hostText, portText] = split;
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d+$/.test(portText)) return undefined;
    port = Number(portText);
    if (port === 0 || port > 65535) return undefined;
  }
  const host = parseHost(hostText);
  if (host === undefined) return undefined;
  const q = tail.indexOf('?');
  const path = q >= 0 ? tail.slice(0, q) : tail;
  return {
    origin: `${scheme}://${host}:${port}`,
    path: path === '' ? '/' : path,
    query: q >= 0 ? tail.slice(q + 1) : undefined,
  };
}

function hasDotSegment(path) {
  return path.split('/').some((segment) => {
    const lower = segment.toLowerCase().replaceAll('%2e', '.');
    return lower === '.' || lower === '..';
  });
}

/** Whether `url` lies under one of `prefixes`. */
export function isRouted(url, prefixes) {
  const target = parse(String(url));
  if (!target || hasDotSegment(target.path)) return false;
  for (const text of prefixes) {
    const prefix = parse(String(text));
    if (!prefix || prefix.query !== undefined || prefix.origin !== target.origin) continue;
    const base = prefix.path.endsWith('/') ? prefix.path.slice(0, -1) : prefix.path;
    if (!target.path.startsWith(base)) continue;
    const rest = target.path.slice(base.length);
    if (rest === '' || rest.startsWith('/')) return true;
  }
  return false;
}

declare module 'caracal:agent/outbound@0.1.0' {
  /**
   * URL prefixes the host routes through a gateway (the configured
   * `gateway_url` and every resource's `upstream_prefix`). A transport
   * adds the Caracal envelope only to requests under one of these (unless
   * told to propagate everywhere); the host enforces the same rule.
   */
  export function routedPrefixes(): Array<string>;
}

import { networkInterfaces } from 'node:os';

import { InvalidArgumentError } from '../errors.js';

/** Where a DIM server listens, as its options give it. */
export interface DimAddressOptions {
  /** An IP address or host name to listen on and advertise in keys. */
  address?: string | undefined;
  /** A network interface name (for example `eth0`); its IPv4 address is used. */
  interface?: string | undefined;
}

/** The host a DIM server uses when neither address nor interface is given. */
export const DEFAULT_DIM_HOST = '127.0.0.1';

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The host a DIM server listens on, which is also the host written into
 * its keys: `address` if given, else the first IPv4 address of `interface`,
 * else {@link DEFAULT_DIM_HOST}.
 *
 * @throws {@link InvalidArgumentError} for a wildcard address (peers could
 * not dial it) or an interface without an IPv4 address.
 */
export function resolveDimHost(options: DimAddressOptions): string {
  if (options.address !== undefined) {
    if (WILDCARDS.has(options.address)) {
      throw InvalidArgumentError.format(
        'address',
        options.address,
        'a DIM server advertises its address in every key, so give an ' +
          'address peers can dial, not a wildcard',
      );
    }
    return options.address;
  }

  if (options.interface !== undefined) {
    const found = networkInterfaces()[options.interface] ?? [];
    const ipv4 = found.find((i) => i.family === 'IPv4');
    if (ipv4 === undefined) {
      const known = Object.keys(networkInterfaces()).join(', ');
      throw InvalidArgumentError.format(
        'interface',
        options.interface,
        `no IPv4 address found on it; known interfaces: ${known}`,
      );
    }
    return ipv4.address;
  }

  return DEFAULT_DIM_HOST;
}

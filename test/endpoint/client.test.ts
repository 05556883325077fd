import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';

import { EndpointClient } from '../../src/endpoint/client.js';
import { EndpointConnectorError } from '../../src/errors.js';

const TIMEOUT = { timeout: 30_000 };

/** Runs `body` against a throwaway HTTP server on a free loopback port. */
async function withServer(
  handler: Parameters<typeof createServer>[1],
  body: (port: number) => Promise<void>,
): Promise<void> {
  const server: Server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    await body((server.address() as AddressInfo).port);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

describe('EndpointClient', () => {
  it('raises a typed error when the connection drops mid-body', TIMEOUT, async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'Content-Length': String(10 * 1024 * 1024) });
        res.write(Buffer.alloc(1024 * 1024), () => res.socket?.destroy());
      },
      async (port) => {
        const client = new EndpointClient({ host: '127.0.0.1', port });
        try {
          await assert.rejects(client.get('k'), (err: unknown) => {
            assert.ok(err instanceof EndpointConnectorError);
            assert.equal(err.status, undefined);
            assert.match(err.message, /GET \/get on the endpoint at http:\/\/127\.0\.0\.1/);
            assert.match(err.message, /proxystore-endpoint list/);
            return true;
          });
        } finally {
          client.close();
        }
      },
    );
  });

  it('raises a typed error when nothing listens', TIMEOUT, async () => {
    let port = 0;
    await withServer(
      (_req, res) => res.end(),
      async (p) => {
        port = p;
      },
    );
    const client = new EndpointClient({ host: '127.0.0.1', port });
    try {
      await assert.rejects(client.exists('k'), (err: unknown) => {
        assert.ok(err instanceof EndpointConnectorError);
        assert.equal((err.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
        return true;
      });
    } finally {
      client.close();
    }
  });

  it('carries the status and the server text of an error answer', TIMEOUT, async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('The disk is on fire.');
      },
      async (port) => {
        const client = new EndpointClient({ host: '127.0.0.1', port });
        try {
          await assert.rejects(client.evict('k'), {
            name: 'EndpointConnectorError',
            status: 500,
            serverMessage: 'The disk is on fire.',
            message: /failed with status 500: The disk is on fire\./,
          });
        } finally {
          client.close();
        }
      },
    );
  });

  it('retries once on a keep-alive socket the server closed', TIMEOUT, async () => {
    const served = new WeakMap<object, number>();
    let dropped = 0;
    await withServer(
      (req, res) => {
        // The second request on a connection finds it closed, as when the
        // server's keep-alive timeout races the client's reuse.
        const count = (served.get(req.socket) ?? 0) + 1;
        served.set(req.socket, count);
        if (count > 1) {
          dropped += 1;
          req.socket.destroy();
          return;
        }
        res.end(JSON.stringify({ exists: true }));
      },
      async (port) => {
        const client = new EndpointClient({ host: '127.0.0.1', port });
        try {
          for (let i = 0; i < 5; i++) assert.equal(await client.exists('k'), true);
          assert.ok(dropped >= 1, 'a reused socket was dropped at least once');
        } finally {
          client.close();
        }
      },
    );
  });

  it('sends the token as a bearer header', TIMEOUT, async () => {
    let seen: string | undefined;
    await withServer(
      (req, res) => {
        seen = req.headers.authorization;
        res.end('{"uuid":"u"}');
      },
      async (port) => {
        const client = new EndpointClient({ host: '127.0.0.1', port, token: 'tok-12345678' });
        try {
          await client.identity();
          assert.equal(seen, 'Bearer tok-12345678');
        } finally {
          client.close();
        }
      },
    );
  });
});

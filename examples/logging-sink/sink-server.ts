// A stand-in for Sentry or any log collector: a tiny local HTTP server that accepts JSON posts
// and keeps them, so the example can show what arrived.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  body: unknown;
}

export interface SinkServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  received: Received[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startSinkServer(): Promise<SinkServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then(
      (text) => {
        try {
          received.push({ path: req.url ?? '/', body: JSON.parse(text) as unknown });
          res.writeHead(204).end();
        } catch {
          res.writeHead(400).end('expected JSON');
        }
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

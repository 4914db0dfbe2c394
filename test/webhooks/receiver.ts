import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  id: string;
  timestamp: number;
  signature: string;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read what Roost sent
  json: { type: string; timestamp: string; data: Record<string, any> };
  /** The signature checks out against the endpoint's secret (Standard Webhooks, by hand). */
  verified: boolean;
}

/**
 * Standard Webhooks verification written from the specification, not with the library Roost
 * signs with: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`, keyed with the base64 part of
 * `whsec_…`. (The library's own verify compares the timestamp with the machine's clock.)
 */
export function verifySignature(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${headers.id}.${headers.timestamp}.${body}`).digest();
  return headers.signature.split(' ').some((part) => {
    const [version, sig] = part.split(',');
    if (version !== 'v1' || !sig) return false;
    const given = Buffer.from(sig, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export type Mode = { kind: 'ok' } | { kind: 'status'; status: number } | { kind: 'slow'; ms: number };

/** A local webhook receiver: records every delivery and answers as `mode` says. */
export class Receiver {
  received: Received[] = [];
  /** The webhook-id of every request, answered or not. */
  hits: string[] = [];
  mode: Mode = { kind: 'ok' };
  secret = '';
  private server: http.Server | undefined;
  port = 0;

  get url() {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(port = 0): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const h = {
          id: String(req.headers['webhook-id'] ?? ''),
          timestamp: String(req.headers['webhook-timestamp'] ?? ''),
          signature: String(req.headers['webhook-signature'] ?? ''),
        };
        this.hits.push(h.id);
        const mode = this.mode;
        const answer = () => {
          if (res.destroyed) return;
          if (mode.kind === 'status') {
            res.writeHead(
              mode.status,
              mode.status === 302 ? { location: 'http://127.0.0.1:9/elsewhere' } : {},
            );
            res.end('no');
            return;
          }
          this.received.push({
            ...h,
            timestamp: Number(h.timestamp),
            body,
            json: JSON.parse(body),
            verified: verifySignature(this.secret, h, body),
          });
          res.writeHead(204).end();
        };
        if (mode.kind === 'slow') setTimeout(answer, mode.ms);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  types() {
    return this.received.map((r) => r.json.type);
  }
}

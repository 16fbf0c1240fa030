/**
 * A TCP forwarder in front of a real server that a test can close (connections reset, port refused) and
 * open again: an outage of the server as its clients see it, while the server itself keeps its state.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpGate {
  close(): Promise<void>;
  open(): Promise<void>;
}

export async function startTcpGate(port: number, targetPort: number): Promise<TcpGate> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect({ port: targetPort, host: '127.0.0.1' });
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await listen();
  return {
    async close() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      const closed = new Promise((resolve) => closing.close(resolve));
      for (const s of sockets) s.destroy();
      await closed;
    },
    async open() {
      if (!server) await listen();
    },
  };
}

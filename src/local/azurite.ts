/** Starts Azurite's queue service as a child process (data under the given folder) and waits for it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Azurite's well-known development account, as `UseDevelopmentStorage=true` means. */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};QueueEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface AzuriteQueue {
  connectionString: string;
  /** Process id of the emulator (tests freeze it with SIGSTOP). */
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function startAzuriteQueue(options: { port: number; location: string }): Promise<AzuriteQueue> {
  if (await portOpen(options.port)) {
    throw new Error(`port ${options.port} is already in use: stop what holds it or set AZURITE_QUEUE_PORT`);
  }
  mkdirSync(options.location, { recursive: true });
  const pkg = createRequire(import.meta.url).resolve('azurite/package.json');
  const main = join(dirname(pkg), 'dist/src/queue/main.js');
  // --skipApiVersionCheck: the queue SDK speaks a newer API version than Azurite knows;
  // --disableTelemetry: Azurite would otherwise report to the internet.
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      '--queueHost',
      '127.0.0.1',
      '--queuePort',
      String(options.port),
      '--location',
      options.location,
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--silent',
      '--loose',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!(await portOpen(options.port))) {
    if (child.exitCode !== null) throw new Error(`Azurite exited (${child.exitCode}): ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`Azurite did not open port ${options.port} within 30 s: ${stderr.trim()}`);
    }
    await sleep(100);
  }
  return {
    connectionString: azuriteConnectionString(options.port),
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) {
        console.warn('Azurite did not stop within 5 s: killed (it may lose its last seconds of messages)');
        child.kill('SIGKILL');
      }
    },
  };
}

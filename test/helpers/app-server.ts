import { spawn } from "node:child_process";
import net from "node:net";

/** How much of a server's output a failure message quotes (its end, where errors are). */
const OUTPUT_TAIL = 12_000;

/** A server an app's own script started (`npm run dev`, `node build`, …). */
export interface AppServer {
  url: string;
  /** The end of what the server printed (stdout and stderr interleaved), labelled, for failure messages. */
  report(): string;
  /** Stops the server and everything it started (cargo, wasm-bindgen, esbuild…). */
  close(): Promise<void>;
}

/**
 * Ports nothing listens on right now, for scripts that take `PORT` or `--port`. The
 * probes stay open until all are found, so the ports differ.
 */
export async function freePorts(count: number): Promise<number[]> {
  const probes = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<net.Server>((resolve, reject) => {
        const probe = net.createServer();
        probe.once("error", reject);
        probe.listen(0, "127.0.0.1", () => resolve(probe));
      }),
    ),
  );
  const ports = probes.map((probe) => (probe.address() as net.AddressInfo).port);
  await Promise.all(probes.map((probe) => new Promise((resolve) => probe.close(resolve))));
  return ports;
}

/**
 * Runs a server command in its own process group and resolves once `port` accepts
 * connections. Readiness is a TCP connect, not an HTTP request: the first request to a
 * dev server renders the page, which waits for a cold cargo build.
 */
export async function startAppServer(
  label: string,
  command: string,
  args: string[],
  options: { cwd: string; port: number; env?: Record<string, string>; timeout?: number },
): Promise<AppServer> {
  // detached: the server gets its own process group, so close() reaches npm, the
  // node it runs and every cargo under it with one signal.
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  /** How the process ended ("1", "SIGTERM"), once it has. */
  let ended: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      ended = signal ?? String(code);
      resolve();
    });
    child.once("error", (error) => {
      output += `\n${error.message}\n`;
      ended = "spawn error";
      resolve();
    });
  });

  const server: AppServer = {
    url: `http://localhost:${options.port}/`,
    report: () => `--- ${label}: output, last ${OUTPUT_TAIL} chars ---\n${output.slice(-OUTPUT_TAIL)}`,
    async close() {
      if (child.pid === undefined) return;
      if (ended === undefined) {
        signalGroup(child.pid, "SIGTERM");
        await Promise.race([exited, delay(5_000)]);
      }
      // Whatever ignored SIGTERM, or outlived the group's leader, goes too.
      signalGroup(child.pid, "SIGKILL");
      await exited;
    },
  };

  const deadline = Date.now() + (options.timeout ?? 60_000);
  while (!(await accepts(options.port))) {
    if (ended !== undefined) throw new Error(`${label} exited (${ended}) before listening.\n${server.report()}`);
    if (Date.now() > deadline) {
      await server.close();
      throw new Error(`${label} did not listen on port ${options.port}.\n${server.report()}`);
    }
    await delay(200);
  }
  return server;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the whole group is gone already.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Test support: AIOS in QEMU, driven like a person would: its serial console read and typed
 * into, SSH and HTTP through the forwarded loopback ports. The user network is restrict=on.
 */
import type { Subprocess } from "bun";
import { freePort, qemuArgs, type QemuOptions } from "../../rootfs/qemu.ts";
import { requireHostPrograms } from "../../scripts/host-programs.ts";

export interface Vm {
  readonly consolePort: number;
  readonly consoleHttpsPort: number;
  readonly sshPort: number;
  readonly process: Subprocess<"pipe", "pipe", "pipe">;
  /** Everything the serial console printed so far. */
  serial(): string;
  /** Waits until the serial console has printed text (after the given offset). */
  waitForSerial(text: string, from?: number): Promise<void>;
  /** Types on the serial console. */
  type(text: string): void;
  /** QEMU's exit status. */
  exited: Promise<number>;
  /** Kills QEMU at once (a test's cleanup: a guest left running holds the data disk's lock). */
  kill(): void;
}

export async function bootVm(options: Omit<QemuOptions, "consolePort" | "consoleHttpsPort" | "sshPort">, timeoutSeconds = 900): Promise<Vm> {
  requireHostPrograms("qemu", "tests");
  const consolePort = await freePort();
  const consoleHttpsPort = await freePort();
  const sshPort = await freePort();
  // The timeout is a safety net for a hung guest, not a performance assertion.
  const argv = ["timeout", "--kill-after=10", String(timeoutSeconds), ...qemuArgs({ ...options, consolePort, consoleHttpsPort, sshPort })];
  const child = Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  let text = "";
  const listeners = new Set<() => void>();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      for (const listener of listeners) listener();
    }
  };
  void drain(child.stdout);
  void drain(child.stderr);
  const exited = child.exited;
  return {
    consolePort,
    consoleHttpsPort,
    sshPort,
    process: child,
    serial: () => text,
    exited,
    // timeout(1) leads its own process group (QEMU in it) and cannot pass SIGKILL on: kill the group.
    kill: () => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    },
    type: (input) => {
      child.stdin.write(input);
      child.stdin.flush();
    },
    waitForSerial: (wanted, from = 0) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (text.indexOf(wanted, from) >= 0) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (listeners.has(check)) reject(new Error(`QEMU exited (${code}) before "${wanted}" appeared; serial console:\n${text.slice(-3000)}`));
        });
      }),
  };
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function ssh(port: number, key: string, command: string): Promise<SshResult> {
  const argv = [
    "ssh",
    "-i",
    key,
    "-p",
    String(port),
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=30",
    "-o",
    "LogLevel=ERROR",
    "root@127.0.0.1",
    command,
  ];
  const child = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

/**
 * What a person does at the serial console: press Enter when it asks, then wait for aiosctl
 * shell's prompt.
 */
export async function openSerialShell(vm: Vm): Promise<void> {
  await vm.waitForSerial("Press Enter to talk to AIOS.");
  const mark = vm.serial().length;
  vm.type("\n");
  await vm.waitForSerial("aios> ", mark);
}

/** ssh, retried while sshd is not up yet (exit 255), for a guest that has just booted. */
export async function sshWhenUp(port: number, key: string, command: string, attempts = 10): Promise<SshResult> {
  let last: SshResult = { code: -1, stdout: "", stderr: "" };
  for (let attempt = 0; attempt < attempts; attempt++) {
    last = await ssh(port, key, command);
    if (last.code !== 255) return last;
    await Bun.sleep(2000);
  }
  throw new Error(`ssh never connected: ${last.stderr}`);
}

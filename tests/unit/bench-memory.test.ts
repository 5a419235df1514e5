/**
 * The pieces `npm run bench -- --memory` is built from: the memory size it chooses from the
 * first answers, what it says a size costs, the CPU cgroups it runs functions in, and the TLS
 * it puts in front of the stand-ins.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cfsPeriodUs, commandInCgroup, quotaUsFor, withCpuCgroups } from "../../bench/cpu-cgroup";
import { costPer1000Invocations, memorySizeForPeak, sizeWhereFirstAnswerLevelsOff } from "../../bench/memory-sizes";
import { makeSelfSignedCertificate, type SelfSignedCertificate, startTlsFront, type TlsFront } from "../../bench/tls-front";
import { type LoopbackServer, serveOnLoopback } from "../../local/loopback";

const run = promisify(execFile);

describe("the memory size chosen from the first answers", () => {
  it("is the smallest size whose next size answers less than 15% faster", () => {
    expect(sizeWhereFirstAnswerLevelsOff({ 128: 800, 256: 400, 512: 200, 1024: 172, 1769: 150 })).toBe(512);
    expect(sizeWhereFirstAnswerLevelsOff({ 128: 800, 256: 690, 512: 200 })).toBe(128);
  });

  it("takes 16% faster as worth the next size and 14% as not", () => {
    expect(sizeWhereFirstAnswerLevelsOff({ 128: 100, 256: 84, 512: 83 })).toBe(256);
    expect(sizeWhereFirstAnswerLevelsOff({ 128: 100, 256: 86, 512: 10 })).toBe(128);
  });

  it("is the largest size when every step up is much faster, whatever order the sizes come in", () => {
    expect(sizeWhereFirstAnswerLevelsOff({ 1769: 50, 128: 800, 512: 200, 256: 400, 1024: 100 })).toBe(1769);
  });

  it("stops at a size the next one is slower than (noise on a shared machine)", () => {
    expect(sizeWhereFirstAnswerLevelsOff({ 128: 500, 256: 300, 512: 128, 1024: 66, 1769: 94 })).toBe(1024);
  });

  it("refuses to choose from nothing", () => {
    expect(() => sizeWhereFirstAnswerLevelsOff({})).toThrow("no first answers to choose a memory size from");
  });

  it("leaves half as much again as the peak resident memory, in 64 MB steps from 128 MB", () => {
    expect(memorySizeForPeak(84)).toBe(128);
    expect(memorySizeForPeak(100)).toBe(192);
  });
});

describe("the cost of 1,000 invocations", () => {
  it("is GB-seconds at $0.0000166667 and requests at $0.20 per million", () => {
    // 1 s at 1,024 MB is one GB-second.
    expect(costPer1000Invocations(1000, 1024)).toBeCloseTo(1000 * (0.0000166667 + 0.0000002), 10);
    expect(costPer1000Invocations(500, 128)).toBeCloseTo(1000 * (0.5 * 0.125 * 0.0000166667 + 0.0000002), 10);
  });

  it("bills each started millisecond", () => {
    expect(costPer1000Invocations(100.2, 1024)).toBe(costPer1000Invocations(101, 1024));
    expect(costPer1000Invocations(100.2, 1024)).toBeGreaterThan(costPer1000Invocations(100, 1024));
  });
});

const cpuController = "/sys/fs/cgroup/cpu/cpu.cfs_quota_us";

describe("the CPU share of a memory size", () => {
  it("is memory / 1769 of each 20 ms period, at least the kernel's 1 ms minimum at 128 MB", () => {
    expect(cfsPeriodUs).toBe(20_000);
    expect(quotaUsFor(1769)).toBe(20_000);
    expect(quotaUsFor(512)).toBe(5789);
    expect(quotaUsFor(128)).toBe(1447);
  });

  // Creating a cgroup needs root and cgroup v1's cpu controller, as the bench does.
  describe.runIf(fs.existsSync(cpuController) && process.getuid?.() === 0)("on this machine", () => {
    it("holds a process from its first instruction, under the size's quota, and is removed afterwards", async () => {
      let dir = "";
      await withCpuCgroups([256], async ([cgroup]) => {
        dir = path.dirname(cgroup.procsFile);
        expect(fs.readFileSync(path.join(dir, "cpu.cfs_quota_us"), "utf8").trim()).toBe(String(quotaUsFor(256)));
        expect(fs.readFileSync(path.join(dir, "cpu.cfs_period_us"), "utf8").trim()).toBe(String(cfsPeriodUs));
        const [file, ...args] = commandInCgroup(cgroup, ["cat", "/proc/self/cgroup"]);
        const { stdout } = await run(file, args);
        expect(stdout).toMatch(new RegExp(`^\\d+:cpu(,cpuacct)?:/${path.basename(dir)}$`, "m"));
      });
      expect(dir).not.toBe("");
      expect(fs.existsSync(dir)).toBe(false);
    });

    it("is removed when the measurement fails", async () => {
      let dir = "";
      const failing = withCpuCgroups([128], async ([cgroup]) => {
        dir = path.dirname(cgroup.procsFile);
        throw new Error("measurement failed");
      });
      await expect(failing).rejects.toThrow("measurement failed");
      expect(fs.existsSync(dir)).toBe(false);
    });
  });
});

describe("TLS in front of a stand-in", () => {
  let certificate: SelfSignedCertificate;
  let standIn: LoopbackServer;
  let front: TlsFront;
  // A function's process: only the environment it is given, as the bench starts it.
  const fetchIn = (env: Record<string, string>) =>
    run(
      process.execPath,
      ["-e", "fetch(process.argv[1], { method: 'POST', body: 'ping' }).then((r) => r.text()).then(console.log)", `${front.url}/echo`],
      {
        env: { PATH: process.env.PATH ?? "", ...env },
      },
    );

  beforeAll(async () => {
    certificate = makeSelfSignedCertificate();
    standIn = await serveOnLoopback((request, body, response) => response.end(`${request.method} ${request.url} ${body}`));
    front = await startTlsFront(standIn.url, certificate);
  });

  afterAll(async () => {
    await front?.close();
    await standIn?.close();
    certificate?.remove();
  });

  it("serves HTTPS that reaches the plain stand-in, for a process that trusts the certificate through NODE_EXTRA_CA_CERTS", async () => {
    expect(front.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { stdout } = await fetchIn({ NODE_EXTRA_CA_CERTS: certificate.certFile });
    expect(stdout.trim()).toBe("POST /echo ping");
  });

  it("is refused by a process that does not trust the certificate, as a real client would refuse a forged one", async () => {
    await expect(fetchIn({})).rejects.toThrow(/self[- ]signed certificate|unable to verify/i);
  });

  it("removes its key and certificate when asked", () => {
    const another = makeSelfSignedCertificate();
    expect(fs.readFileSync(another.certFile, "utf8")).toContain("BEGIN CERTIFICATE");
    another.remove();
    expect(fs.existsSync(another.certFile)).toBe(false);
  });
});

/**
 * `npm run bench -- --memory`: each function's cold start and first answer at the CPU share
 * Lambda gives each memory size, over plain HTTP and over TLS to the stand-ins, what a cold
 * invocation costs at each size, and the memory size each function should get.
 */
import { type CpuCgroup, cfsPeriodUs, fullCpuMemoryMb, withCpuCgroups } from "./cpu-cgroup";
import { eventFor } from "./events";
import { median, runFunctionProcess } from "./measure";
import type { CodePackage } from "./packages";

export const memorySizesMb = [128, 256, 512, 1024, 1769] as const;
/**
 * Cold starts per size and function, of which the median: at 128 MB the trigger takes seconds,
 * so five; the larger sizes are quick and more exposed to other work on the machine, so more.
 */
const coldStartsAt = (memoryMb: number) => (memoryMb <= 256 ? 5 : memoryMb <= 512 ? 9 : 15);
/** "Much faster": a larger size is worth it only if it cuts the first answer by at least this much. */
export const worthwhileSpeedup = 0.15;

export const pricing = {
  assumption:
    "AWS Lambda on x86 at us-east-1's list price, $0.0000166667 per GB-second and $0.20 per 1M requests, billed per ms; the free tier ignored; other regions may charge more (check the stack's region). Every invocation counted as cold, billed for the total of cold start and first answer, as Lambda bills on-demand functions' init phase since 1 August 2025: an upper bound, as a warm invocation costs only its answer",
  usdPerGbSecond: 0.0000166667,
  usdPerRequest: 0.2 / 1_000_000,
};

export type FunctionName = "baseline" | "trigger" | "webhook";
export type Transport = "http" | "https";

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface MemoryRow {
  memoryMb: number;
  function: FunctionName;
  /**
   * How the function reached the stand-ins. The baseline calls nothing; its https row has the
   * same environment as the functions' (NODE_EXTRA_CA_CERTS), to show what that costs at start.
   */
  transport: Transport;
  /** From spawning the process to the handler being ready. */
  coldStartMs: Spread;
  /** The first invocation, from the event to the handler's answer. */
  firstAnswerMs: Spread;
  /** Cold start and first answer of the same process: what a caller waits on a new container. */
  totalMs: Spread;
  /** The share of one CPU the quota gives, and the median share the process got (CPU time over total). */
  cpuShare: { given: number; got: number };
  peakRssMb: number;
  costPer1000InvocationsUsd: number;
}

export interface MemoryChoice {
  memorySizeMb: number;
  /** The first answers over TLS, by size, the choice was made from. */
  firstAnswerMsBySize: Record<number, number>;
  /** The size from the first answers alone, and the least that leaves half as much again as the peak RSS. */
  fromLatencyMb: number;
  fromPeakRssMb: number;
  /**
   * Sizes at which the function got less than 85% of the share the quota allows, as other work
   * on the machine took the rest: their figures understate what Lambda, which reserves the
   * share, would give, so a choice resting on them is less sure.
   */
  shortOfQuotaMb: number[];
}

export interface MemoryResults {
  measuredAt: string;
  method: Record<string, string | number>;
  pricing: typeof pricing;
  rows: MemoryRow[];
  choices: Record<"trigger" | "webhook", MemoryChoice>;
}

const round = (value: number, places = 1) => Number(value.toFixed(places));
const spread = (values: number[]): Spread => ({
  median: round(median(values)),
  min: round(Math.min(...values)),
  max: round(Math.max(...values)),
});

/** What 1,000 invocations cost at `memoryMb` when each runs for `durationMs`, billed per started ms. */
export function costPer1000Invocations(durationMs: number, memoryMb: number): number {
  const gbSeconds = (Math.ceil(durationMs) / 1000) * (memoryMb / 1024);
  return 1000 * (gbSeconds * pricing.usdPerGbSecond + pricing.usdPerRequest);
}

/**
 * The smallest size whose next size answers less than `worthwhileSpeedup` faster; the largest
 * when every step up is worth it.
 */
export function sizeWhereFirstAnswerLevelsOff(firstAnswerMsBySize: Record<number, number>): number {
  const sizes = Object.keys(firstAnswerMsBySize)
    .map(Number)
    .sort((a, b) => a - b);
  if (sizes.length === 0) throw new Error("no first answers to choose a memory size from");
  const levelled = sizes.find(
    (size, index) =>
      index + 1 < sizes.length && firstAnswerMsBySize[sizes[index + 1]] > (1 - worthwhileSpeedup) * firstAnswerMsBySize[size],
  );
  return levelled ?? sizes[sizes.length - 1];
}

/** Lambda's smallest size that leaves half as much again as the measured peak, in 64 MB steps. */
export function memorySizeForPeak(peakRssMb: number): number {
  return Math.max(128, Math.ceil((peakRssMb * 1.5) / 64) * 64);
}

interface Subject {
  function: FunctionName;
  transport: Transport;
  codePackage: CodePackage;
  env: Record<string, string>;
}

interface Sample {
  coldStartMs: number;
  firstAnswerMs: number;
  cpuMs: number;
  peakRssMb: number;
}

async function sample(subject: Subject, cgroup?: CpuCgroup): Promise<Sample> {
  const { report, coldStartMs } = await runFunctionProcess(
    subject.codePackage.codeDir,
    // Each size meets the conversation's steps in the same order (bench/events.ts).
    [eventFor(subject.codePackage.route, `${subject.function} ${subject.transport} ${cgroup?.memoryMb ?? "full CPU"}`)],
    subject.env,
    cgroup,
  );
  return { coldStartMs, firstAnswerMs: report.latenciesMs[0], cpuMs: report.cpuMs, peakRssMb: report.maxRssKb / 1024 };
}

/**
 * Measures `packages` (the baseline, the trigger and the webhook) at each memory size's CPU
 * share, with `env` reaching the stand-ins over HTTP and `tlsEnv` over HTTPS.
 */
export async function measureMemorySizes(
  packages: CodePackage[],
  env: Record<string, string>,
  tlsEnv: Record<string, string>,
): Promise<MemoryResults> {
  const packageNamed = (name: FunctionName) => {
    const found = packages.find((codePackage) => codePackage.name === name);
    if (!found) throw new Error(`the memory sizes need the ${name} package`);
    return found;
  };
  const subjects: Subject[] = (["baseline", "webhook", "trigger"] as const).flatMap((name) => [
    { function: name, transport: "http" as const, codePackage: packageNamed(name), env },
    { function: name, transport: "https" as const, codePackage: packageNamed(name), env: tlsEnv },
  ]);
  // One unmeasured run each at a full CPU, so the first measured one does not also read the files from disk.
  for (const subject of subjects) await sample(subject);

  const samples = new Map<string, Sample[]>();
  const key = (subject: Subject, memoryMb: number) => `${memoryMb}|${subject.function}|${subject.transport}`;
  await withCpuCgroups(memorySizesMb, async (cgroups) => {
    // Round-robin over sizes and functions, so drift in the machine's load falls on all alike.
    for (let run = 0; run < coldStartsAt(Math.max(...memorySizesMb)); run++) {
      for (const cgroup of cgroups.filter((one) => run < coldStartsAt(one.memoryMb))) {
        for (const subject of subjects) {
          const measured = await sample(subject, cgroup);
          samples.set(key(subject, cgroup.memoryMb), [...(samples.get(key(subject, cgroup.memoryMb)) ?? []), measured]);
        }
      }
    }
  });

  const rows: MemoryRow[] = memorySizesMb.flatMap((memoryMb) =>
    subjects.map((subject) => {
      const measured = samples.get(key(subject, memoryMb))!;
      const totals = measured.map((one) => one.coldStartMs + one.firstAnswerMs);
      const totalMs = spread(totals);
      return {
        memoryMb,
        function: subject.function,
        transport: subject.transport,
        coldStartMs: spread(measured.map((one) => one.coldStartMs)),
        firstAnswerMs: spread(measured.map((one) => one.firstAnswerMs)),
        totalMs,
        cpuShare: {
          given: round(Math.min(1, memoryMb / fullCpuMemoryMb), 3),
          got: round(median(measured.map((one, index) => one.cpuMs / totals[index])), 3),
        },
        peakRssMb: round(Math.max(...measured.map((one) => one.peakRssMb))),
        costPer1000InvocationsUsd: Number(costPer1000Invocations(totalMs.median, memoryMb).toPrecision(3)),
      };
    }),
  );

  const choose = (name: "trigger" | "webhook"): MemoryChoice => {
    const overTls = rows.filter((row) => row.function === name && row.transport === "https");
    const firstAnswerMsBySize = Object.fromEntries(overTls.map((row) => [row.memoryMb, row.firstAnswerMs.median]));
    const fromLatencyMb = sizeWhereFirstAnswerLevelsOff(firstAnswerMsBySize);
    const fromPeakRssMb = memorySizeForPeak(Math.max(...rows.filter((row) => row.function === name).map((row) => row.peakRssMb)));
    const shortOfQuotaMb = overTls.filter((row) => row.cpuShare.got < 0.85 * row.cpuShare.given).map((row) => row.memoryMb);
    return { memorySizeMb: Math.max(fromLatencyMb, fromPeakRssMb), firstAnswerMsBySize, fromLatencyMb, fromPeakRssMb, shortOfQuotaMb };
  };

  return {
    measuredAt: new Date().toISOString(),
    method: {
      coldStarts: memorySizesMb.map((memoryMb) => `${coldStartsAt(memoryMb)} at ${memoryMb} MB`).join(", "),
      cpuShare: `a cgroup of the v1 cpu controller per size, cpu.cfs_period_us ${cfsPeriodUs} and cpu.cfs_quota_us = round(memory / ${fullCpuMemoryMb} × period): Lambda's one vCPU at ${fullCpuMemoryMb} MB and its proportional share below. The function's process is in the cgroup from its first instruction (a shell writes its pid to cgroup.procs, then execs node); the stand-ins are not, as the real services are not in the Lambda container. The quota caps the share; other work on the machine can lower it further (cpuShare.got)`,
      coldStart:
        "from spawning the process to the handler being ready (__index.js loaded, the handler made), on the machine's monotonic clock",
      firstAnswer:
        "the first invocation, from the API Gateway event to the handler's answer: the settings read from SSM, the DynamoDB write(s) and, for the trigger, the send to Twilio, each on a new connection",
      total: "cold start plus first answer of the same process; the median, min and max are over the samples' totals",
      tls: "https rows: the stand-ins behind a TLS server (Node's defaults, TLS 1.3) with an RSA 2048 self-signed certificate made by openssl at bench time, trusted by the function through NODE_EXTRA_CA_CERTS; the TLS server pipes the bytes on to the plain stand-in in its own process. http rows: the stand-ins reached directly. With NODE_EXTRA_CA_CERTS set, Node 20 builds its root certificate store (the bundled roots and the extra one) at start-up rather than at the first TLS connection, so in the https rows that work is in the cold start, not the first answer; Lambda's Node.js runtimes leave NODE_EXTRA_CA_CERTS unset, so there it falls in the first answer. The baseline's https row measures it: its cold start less the http row's",
      order:
        "round-robin: each round runs every function at every size that still needs samples, after one unmeasured run each at a full CPU",
      choice: `per function, from the https rows: the smallest size at which the next size's first answer is less than ${worthwhileSpeedup * 100}% faster (the largest if every step is), and at least the size that leaves half as much again as the peak RSS seen`,
    },
    pricing,
    rows,
    choices: { trigger: choose("trigger"), webhook: choose("webhook") },
  };
}

export function printMemoryTable(results: MemoryResults): void {
  const range = (values: Spread) => `${values.min}–${values.max}`;
  console.table(
    Object.fromEntries(
      results.rows.map((row) => [
        `${row.memoryMb} MB ${row.function} ${row.transport}`,
        {
          "cold ms": row.coldStartMs.median,
          "cold range": range(row.coldStartMs),
          "first answer ms": row.firstAnswerMs.median,
          "first range": range(row.firstAnswerMs),
          "total ms": row.totalMs.median,
          "total range": range(row.totalMs),
          "CPU got/given %": `${Math.round(row.cpuShare.got * 100)}/${Math.round(row.cpuShare.given * 100)}`,
          "$ per 1,000": row.costPer1000InvocationsUsd,
        },
      ]),
    ),
  );
  for (const [name, choice] of Object.entries(results.choices)) {
    const series = Object.entries(choice.firstAnswerMsBySize)
      .map(([size, ms]) => `${size} MB ${ms} ms`)
      .join(", ");
    console.log(
      `${name}: ${choice.memorySizeMb} MB (first answer over TLS: ${series}; from the peak RSS at least ${choice.fromPeakRssMb} MB)`,
    );
    if (choice.shortOfQuotaMb.length > 0)
      console.log(
        `  other work on the machine held ${name} under its share at ${choice.shortOfQuotaMb.join(", ")} MB: those figures are slower than Lambda's would be`,
      );
  }
}

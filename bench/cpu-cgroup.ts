/**
 * The CPU share Lambda gives a memory size, simulated with a cgroup of the v1 `cpu`
 * controller: Lambda gives one full vCPU at 1,769 MB and a proportional share below, so a
 * process in the cgroup may run `memory / 1769` of each scheduling period.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const cpuHierarchy = "/sys/fs/cgroup/cpu";
/** The memory size at which Lambda gives a function one full vCPU. */
export const fullCpuMemoryMb = 1769;
/**
 * 20 ms: the throttling interval observed on Lambda (pwrdrvr/lambda-dispatch#246). A period of
 * 100 ms would let a function at 128 MB run 7 ms and then stall 93, coarser than Lambda's
 * pauses; below 20 ms, 128 MB's quota would fall under the kernel's 1 ms minimum.
 */
export const cfsPeriodUs = 20_000;

export interface CpuCgroup {
  memoryMb: number;
  quotaUs: number;
  /** Write a pid here to put that process under the quota. */
  procsFile: string;
}

/**
 * `command` as a process that is under the cgroup's quota from its first instruction: a shell
 * writes its own pid to cgroup.procs, then becomes `command` by exec. Moving the process in
 * after spawning it would let it run unthrottled for as long as the move took.
 */
export const commandInCgroup = (cgroup: Pick<CpuCgroup, "procsFile">, command: string[]): string[] => [
  "/bin/sh",
  "-c",
  'echo $$ > "$0" && exec "$@"',
  cgroup.procsFile,
  ...command,
];

export const quotaUsFor = (memoryMb: number, periodUs = cfsPeriodUs) => Math.round((memoryMb / fullCpuMemoryMb) * periodUs);

function refuseWithoutCpuController(): void {
  if (fs.existsSync(path.join(cpuHierarchy, "cpu.cfs_quota_us"))) return;
  const mounted = fs.existsSync("/sys/fs/cgroup") ? fs.readdirSync("/sys/fs/cgroup").join(", ") : "nothing";
  throw new Error(
    `npm run bench's memory sizes need cgroup v1's cpu controller at ${cpuHierarchy}, as root; /sys/fs/cgroup holds ${mounted}`,
  );
}

/** Removes a cgroup; its processes must have exited. Says so, rather than throwing, when it cannot. */
function removeCgroup(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      console.error(`could not remove ${dir} (${(error as NodeJS.ErrnoException).code}): rmdir it once its processes have exited`);
  }
}

/**
 * One cgroup per memory size for the length of `body`, removed afterwards whatever happens,
 * also when the bench is interrupted: the processes still in them (the bench's own children)
 * are killed by pid first, as a cgroup with processes cannot be removed.
 */
export async function withCpuCgroups<T>(memorySizesMb: readonly number[], body: (cgroups: CpuCgroup[]) => Promise<T>): Promise<T> {
  refuseWithoutCpuController();
  const dirs: string[] = [];
  const removeAll = () => dirs.forEach(removeCgroup);
  const onSignal = (signal: NodeJS.Signals) => {
    for (const dir of dirs) {
      const pids = fs.existsSync(dir) ? fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean) : [];
      for (const pid of pids) process.kill(Number(pid), "SIGKILL");
    }
    // The killed processes leave their cgroup within milliseconds.
    setTimeout(() => {
      removeAll();
      process.exit(signal === "SIGINT" ? 130 : 143);
    }, 200);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const cgroups = memorySizesMb.map((memoryMb) => {
      const dir = path.join(cpuHierarchy, `signon-bench-${process.pid}-${memoryMb}mb`);
      try {
        fs.mkdirSync(dir);
      } catch (error) {
        throw new Error(`could not create ${dir} (${(error as NodeJS.ErrnoException).code}): npm run bench's memory sizes need root`);
      }
      dirs.push(dir);
      const quotaUs = quotaUsFor(memoryMb);
      fs.writeFileSync(path.join(dir, "cpu.cfs_period_us"), String(cfsPeriodUs));
      fs.writeFileSync(path.join(dir, "cpu.cfs_quota_us"), String(quotaUs));
      return { memoryMb, quotaUs, procsFile: path.join(dir, "cgroup.procs") };
    });
    return await body(cgroups);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    removeAll();
  }
}

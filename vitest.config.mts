import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The program-under-mocks tests start ts-node child processes and copy code packages.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Every log line the suite sees is captured (testkit/log-capture.ts), console output by this file.
    setupFiles: ["tests/setup/console-capture.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["tests/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "tests/log-scan/**"],
          // Clears the capture at the start of the run.
          globalSetup: ["tests/setup/log-capture-run.ts"],
        },
      },
      {
        // Runs once the whole suite has finished, over everything it logged.
        extends: true,
        test: {
          name: "log-scan",
          include: ["tests/log-scan/**/*.test.ts"],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

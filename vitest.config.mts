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
          exclude: [...configDefaults.exclude, "tests/log-scan/**", "tests/package/**"],
          // Clears the capture at the start of the run.
          globalSetup: ["tests/setup/log-capture-run.ts"],
        },
      },
      {
        // The suites that matter again, against the code packages `pulumi up` uploads: Pulumi's
        // serializer makes that code, and what the source does it may not (docs/reliability.md).
        extends: true,
        test: {
          name: "package",
          include: [
            "tests/handlers/aws-faults.test.ts",
            "tests/handlers/trigger.test.ts",
            "tests/handlers/webhook.test.ts",
            "tests/handlers/conversation.test.ts",
            "tests/handlers/status.test.ts",
            "tests/handlers/registrations.test.ts",
            "tests/handlers/reminders.test.ts",
            "tests/handlers/payment-link.test.ts",
            "tests/handlers/payment-reminders.test.ts",
            "tests/handlers/board.test.ts",
            "tests/handlers/payments.test.ts",
            "tests/handlers/metrics.test.ts",
            "tests/package/**/*.test.ts",
          ],
          globalSetup: ["tests/setup/log-capture-run.ts", "tests/setup/packaged-functions.ts"],
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

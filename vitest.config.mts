import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // The program-under-mocks tests start ts-node child processes and copy code packages.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});

/** The numbers the bench gives the parents it prepares (bench/events.ts): the drama range's, clear of the fixtures' and of the other events'. */
import { describe, expect, it } from "vitest";
import { benchTels } from "../../bench/events";

describe("the bench's parents' numbers", () => {
  it("are the numbers from the first up, in E.164, skipping those the fixtures use", () => {
    expect(benchTels(900120, 5)).toEqual(["+447700900120", "+447700900121", "+447700900122", "+447700900124", "+447700900125"]);
    expect(benchTels(900000, 2)).toEqual(["+447700900001", "+447700900002"]);
  });

  it("stop short of the numbers the board's, the floor's and the webhook's events use", () => {
    expect(benchTels(900490, 8).at(-1)).toBe("+447700900497");
    expect(() => benchTels(900490, 9)).toThrow("reach +447700900498");
  });
});

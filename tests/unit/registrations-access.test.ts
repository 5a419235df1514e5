/**
 * The board's rights on the registrations table: exactly what its data routes call, the
 * trigger's (invite, resend) and the export's (list, CSV, erase) together, and nothing else.
 * The program applies each entry as a role's policy (tests/program/program.test.ts).
 */
import { describe, expect, it } from "vitest";
import { registrationsAccess } from "../../config/registrations-table";

describe("the board's registrations access", () => {
  it("is the invite's and the export's, each right once, and no Scan", () => {
    expect(registrationsAccess.board).toEqual({
      table: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:Query"],
      indexes: ["by-season", "by-registration-id"],
      leadingKeys: ["parent#*", "idempotency-key#*", "erased#*"],
    });
  });

  it("follows the invite's and the export's: a right either holds, the board holds", () => {
    const { invite, export: exportAccess, board } = registrationsAccess;
    for (const kind of ["table", "indexes", "leadingKeys"] as const) {
      expect(new Set(board[kind])).toEqual(new Set([...invite[kind], ...exportAccess[kind]]));
    }
  });
});

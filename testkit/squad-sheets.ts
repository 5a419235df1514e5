/** Squad sheets as clubs' spreadsheets save them, for the tests of the board's sheet route. */

/** A squad sheet as Excel saves it on a Windows machine with a European locale: Windows-1252, semicolons, CRLF. */
export function windowsSheet(rows: string[][]): Buffer {
  const header = [
    "Parent first name",
    "Player first name",
    "Player last name",
    "Team name",
    "Age group",
    "Team manager 1 full name",
    "Team manager 1 tel",
    "Parent tel",
  ];
  return Buffer.from([header, ...rows].map((cells) => cells.join(";")).join("\r\n"), "latin1");
}

/** A row of windowsSheet: Siobhán Ó Briain's child, with names Windows-1252 carries and UTF-8 would read wrongly. */
export const sheetRow = (player: string, parentTel: string, team = "Lions", ageGroup = "u11s") => [
  "Siobhán",
  player,
  "Ó Briain",
  team,
  ageGroup,
  "Dave Examplesson",
  "07700 900456",
  parentTel,
];

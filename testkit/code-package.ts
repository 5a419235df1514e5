/** Facts about an extracted Lambda code package: its files and how big its zip is. */
import * as fs from "node:fs";
import * as path from "node:path";
import { deflateRawSync } from "node:zlib";

/** Every file in a folder, relative to it. */
export function filesIn(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

// Zip's fixed overhead: a local header (30 bytes) and a central-directory entry (46) per file,
// each followed by the file's name, and the end-of-directory record (22).
const zipEntryOverhead = 30 + 46;
const zipEndRecord = 22;

/**
 * The package's size as Pulumi uploads it, a zip of deflated files, computed without a zip
 * program; plus the size of its files unzipped.
 */
export function packageSize(codeDir: string): { zippedBytes: number; unzippedBytes: number; files: number } {
  let zippedBytes = zipEndRecord;
  let unzippedBytes = 0;
  const files = filesIn(codeDir);
  for (const file of files) {
    const content = fs.readFileSync(path.join(codeDir, file));
    unzippedBytes += content.length;
    zippedBytes += zipEntryOverhead + 2 * Buffer.byteLength(file) + Math.min(content.length, deflateRawSync(content).length);
  }
  return { zippedBytes, unzippedBytes, files: files.length };
}

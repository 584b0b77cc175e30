// How a manifest stream is cut into lines, wherever the network splits it:
// inside a line, inside a multi-byte character, between \r and \n.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { linesOf } from "../../src/domain/jobs/manifest.js";

const MAX_LINE_BYTES = 40;

/** The lines of `text` read from a stream that delivers it in pieces of `size` bytes. */
async function readLines(text: string, size: number) {
  const bytes = Buffer.from(text, "utf8");
  const pieces = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  const lines = [];
  for await (const line of linesOf(Readable.from(pieces), MAX_LINE_BYTES)) lines.push(line);
  return lines;
}

const manifest = [
  `{"source": "plain"}`,
  `{"source": "crlf"}\r`,
  ``,
  `   `,
  `{"source": "żółć 😀 multi-byte"}`,
  `{"source": "${"x".repeat(60)}"}`,
  `{"source": "after the long one"}`,
  `{"source": "no newline at the end"}`,
].join("\n");

const expected = [
  { number: 1, text: `{"source": "plain"}` },
  { number: 2, text: `{"source": "crlf"}` },
  { number: 5, text: `{"source": "żółć 😀 multi-byte"}` },
  { number: 6, text: null },
  { number: 7, text: `{"source": "after the long one"}` },
  { number: 8, text: `{"source": "no newline at the end"}` },
];

describe("manifest lines", () => {
  it("are the same whatever the stream's piece size; blank lines are skipped but counted, long ones are null", async () => {
    for (const size of [1, 2, 3, 5, 7, 16, 39, 40, 41, 1000]) {
      expect(await readLines(manifest, size), `pieces of ${size} bytes`).toEqual(expected);
    }
  });

  it("measures the limit in bytes, and a last line that is too long is still reported", async () => {
    const exactly = "é".repeat(MAX_LINE_BYTES / 2); // 40 bytes in 20 characters
    const lines = await readLines(`${exactly}\n${exactly}é\n${"y".repeat(100)}`, 7);
    expect(lines).toEqual([
      { number: 1, text: exactly },
      { number: 2, text: null },
      { number: 3, text: null },
    ]);
  });
});

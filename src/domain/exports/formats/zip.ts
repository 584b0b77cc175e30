// A zip archive written as it goes (fflate's streaming Zip): entries are
// deflated one at a time and their bytes handed on at once.
import { Zip, ZipDeflate } from "fflate";

export class ZipWriter {
  private pending: Uint8Array[] = [];
  private failure: Error | null = null;
  private zip = new Zip((error, chunk) => {
    if (error) this.failure = error;
    else this.pending.push(chunk);
  });

  /** Adds a whole file and answers the archive's bytes produced so far. */
  add(name: string, content: string): Uint8Array[] {
    const file = this.open(name);
    file.write(content);
    return file.close();
  }

  /** A file written in parts (each write answers the archive's bytes so far); close it before the next. */
  open(name: string) {
    const file = new ZipDeflate(name, { level: 6 });
    this.zip.add(file);
    const encoder = new TextEncoder();
    return {
      write: (text: string) => {
        file.push(encoder.encode(text), false);
        return this.take();
      },
      close: () => {
        file.push(new Uint8Array(0), true);
        return this.take();
      },
    };
  }

  /** Writes the central directory: the last bytes. */
  end(): Uint8Array[] {
    this.zip.end();
    return this.take();
  }

  private take(): Uint8Array[] {
    if (this.failure) throw this.failure;
    return this.pending.splice(0);
  }
}

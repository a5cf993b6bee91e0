import Table from 'cli-table3';
import { createColors } from 'picocolors';

/** Colour functions (no-ops when colour is off). */
export type Colors = ReturnType<typeof createColors>;

/** How results are shown: JSON for scripts, tables and colour for people, plain text when piped. */
export class Output {
  /** Colour functions. */
  readonly c: Colors;
  /** True when stdout is a terminal (people), false when piped (scripts). */
  readonly tty: boolean;

  constructor(
    /** `--json` given. */
    readonly json: boolean,
    colour: boolean | undefined,
    /** `--quiet` given: no progress. */
    readonly quiet = false,
  ) {
    this.tty = Boolean(process.stdout.isTTY);
    const useColour = colour ?? (this.tty && !process.env.NO_COLOR && process.env.TERM !== 'dumb');
    this.c = createColors(useColour);
  }

  /** One line on stdout. */
  line(text = ''): void {
    process.stdout.write(`${text}\n`);
  }

  /** Pretty JSON on stdout. */
  data(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Progress and notices go to stderr so stdout stays parseable. */
  note(text: string): void {
    if (!this.quiet) process.stderr.write(`${text}\n`);
  }

  /** A warning on stderr. */
  warn(text: string): void {
    process.stderr.write(`${this.c.yellow('warning:')} ${text}\n`);
  }

  /** A table: boxed for terminals, aligned plain columns otherwise. */
  table(head: string[], rows: Array<Array<string | number>>): void {
    if (this.tty) {
      const table = new Table({ head: head.map((h) => this.c.bold(h)), style: { head: [], border: [] } });
      table.push(...rows.map((r) => r.map(String)));
      this.line(table.toString());
      return;
    }
    const cells = [head, ...rows.map((r) => r.map(String))];
    const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
    for (const row of cells)
      this.line(
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
          .join('  ')
          .trimEnd(),
      );
  }

  /** Key/value lines (describe). */
  fields(pairs: Array<[string, string]>): void {
    const width = Math.max(...pairs.map(([k]) => k.length)) + 1;
    for (const [k, v] of pairs) this.line(`${this.c.bold(`${k}:`.padEnd(width))} ${v}`);
  }

  /** A progress reporter for one long step. */
  step(text: string): Step {
    return new Step(this, text);
  }
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * One step of a long operation on stderr: a spinner on terminals, a start line otherwise; ends
 * with ✔/✖ and the elapsed time. (A few lines of our own: ora ≥6 is ESM-only, this CLI is CommonJS.)
 */
export class Step {
  private readonly started = Date.now();
  private timer?: NodeJS.Timeout;
  private frame = 0;
  private detail = '';

  constructor(
    private readonly out: Output,
    private text: string,
  ) {
    if (out.quiet) return;
    if (process.stderr.isTTY) {
      this.render();
      this.timer = setInterval(() => this.render(), 80);
      this.timer.unref();
    } else process.stderr.write(`${text}...\n`);
  }

  /** Changes the trailing detail (e.g. bytes uploaded). */
  update(detail: string): void {
    this.detail = detail;
  }

  /** Ends the step as done. */
  succeed(text = this.text): void {
    this.end(this.out.c.green('✔'), text);
  }

  /** Ends the step as failed. */
  fail(text = this.text): void {
    this.end(this.out.c.red('✖'), text);
  }

  private render(): void {
    const frame = this.out.c.cyan(FRAMES[(this.frame += 1) % FRAMES.length]);
    process.stderr.write(`\r\x1b[2K${frame} ${this.text}${this.detail ? ` ${this.out.c.dim(this.detail)}` : ''}`);
  }

  private end(mark: string, text: string): void {
    if (this.out.quiet) return;
    clearInterval(this.timer);
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    const clear = process.stderr.isTTY ? '\r\x1b[2K' : '';
    process.stderr.write(`${clear}${mark} ${text} ${this.out.c.dim(`(${secs}s)`)}\n`);
  }
}
